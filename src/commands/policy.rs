//! `xplenty-s3 policy`: print the document `setup` would attach. No AWS call.

use crate::cli::PolicyArgs;
use crate::error::Result;
use crate::policy::{self, Grant};
use crate::ui::Ui;
use crate::validate;

pub fn run(args: &PolicyArgs, ui: &Ui) -> Result<()> {
    for warning in validate::grant(&args.buckets.names, args.prefix.as_deref())? {
        ui.warn(warning.0);
    }
    let buckets = validate::unique(&args.buckets.names);
    let grant = Grant {
        buckets: &buckets,
        access: args.access,
        prefix: args.prefix.as_deref(),
        partition: &args.partition,
    };
    let document = grant.to_json();
    policy::check_size(&document, 0)?;
    println!("{document}");
    Ok(())
}
