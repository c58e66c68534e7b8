//! Logs on stderr through `tracing`: quiet by default, raised by `-v`.
//! Without `-v` only the tool's own warnings show: the SDK warns about
//! every credential source it tries (IMDS on a laptop), which is noise.
//!
//! The SDK's own trace-level events print whole HTTP responses, and the
//! answer to `CreateAccessKey` carries a secret. Those targets are capped
//! at `debug` whatever `-v` or `RUST_LOG` ask for.

use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::{filter_fn, EnvFilter};
use tracing_subscriber::prelude::*;

/// Crates whose trace events may contain request or response bodies.
const BODY_LOGGING_TARGETS: [&str; 6] =
    ["aws_smithy_runtime", "aws_smithy_http", "aws_sdk_", "aws_runtime", "hyper", "h2"];

pub fn init(verbose: u8, quiet: bool) {
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "error,xplenty_s3=warn",
        (false, 1) => "warn,xplenty_s3=info",
        (false, 2) => "info,xplenty_s3=debug",
        (false, _) => "trace",
    };
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.is_empty() => EnvFilter::new(spec),
        _ => EnvFilter::new(default),
    };
    let no_bodies = filter_fn(|meta| {
        *meta.level() < tracing::Level::TRACE
            || !BODY_LOGGING_TARGETS.iter().any(|t| meta.target().starts_with(t))
    });
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(console::colors_enabled_stderr())
        .with_target(verbose >= 2)
        .with_filter(filter)
        .with_filter(no_bodies)
        .with_filter(LevelFilter::TRACE);
    let _ = tracing_subscriber::registry().with(layer).try_init();
}
