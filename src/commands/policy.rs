//! `xplenty-s3 policy`: print the document `setup` would attach. No AWS call.

use crate::cli::PolicyArgs;
use crate::error::Result;
use crate::policy::{self, Grant};
use crate::ui::Ui;
use crate::validate;

pub fn run(args: &PolicyArgs, ui: &Ui) -> Result<()> {
    for bucket in &args.buckets {
        if let Some(warning) = validate::bucket_name(bucket)? {
            ui.warn(warning.0);
        }
    }
    if let Some(prefix) = &args.prefix {
        if let Some(warning) = validate::prefix(prefix)? {
            ui.warn(warning.0);
        }
    }
    let grant = Grant {
        buckets: &args.buckets,
        access: args.access,
        prefix: args.prefix.as_deref(),
        partition: &args.partition,
    };
    let document = grant.to_json();
    policy::check_size(&document, 0)?;
    println!("{document}");
    Ok(())
}
