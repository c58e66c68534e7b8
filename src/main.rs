use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    ExitCode::from(xplenty_s3::run(xplenty_s3::cli::Cli::parse()))
}
