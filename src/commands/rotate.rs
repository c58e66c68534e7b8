//! `xplenty-s3 rotate`: replace the key of a user this tool created.
//!
//! The new key is created, tested against the buckets of the user's policy
//! and saved before the old key is deleted, so Xplenty keeps a working key
//! at every moment. If the new key fails, it is removed and the old key and
//! file stay as they were.

use aws_sdk_iam::types::AccessKeyMetadata;
use serde::Serialize;

use crate::aws::Aws;
use crate::cli::{GlobalArgs, OutputFormat, RotateArgs};
use crate::error::{Error, Result};
use crate::policy::{read_grant, ReadGrant};
use crate::report::{print_json, ErrorReport};
use crate::rollback::{Ledger, Remaining};
use crate::steps::attach_policy::policy_document;
use crate::steps::bucket_region::locate_all;
use crate::steps::bucket_region::Bucket;
use crate::steps::connection_test;
use crate::steps::connection_test::{TestPlan, TestReport};
use crate::steps::create_access_key::{
    create_slash_free_key, delete_key, list_keys, two_keys_error, NewKey,
};
use crate::steps::create_user::{managed_user, User};
use crate::steps::credentials_file::{self, StoredKey};
use crate::ui::Ui;
use crate::{interrupt, validate};

#[derive(Serialize, Default)]
struct Outcome {
    user_name: String,
    buckets: Vec<Bucket>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    key_attempts: u32,
    deleted_keys: Vec<String>,
    credentials_file: Option<String>,
    connection_test: Option<TestReport>,
    rolled_back: Vec<String>,
    remaining: Vec<Remaining>,
    error: Option<ErrorReport>,
}

pub async fn run(global: &GlobalArgs, args: &RotateArgs, ui: &Ui) -> Result<()> {
    validate::user_name(&args.user_name)?;
    validate::policy_name(&args.policy_name)?;
    validate::credentials_path(&args.credentials_file, args.force)?;
    interrupt::listen();

    let aws = Aws::load(global).await;
    let iam = aws.iam();
    let user = managed_user(&iam, &args.user_name, false).await?;
    let old_keys = replaceable_keys(&iam, &user).await?;
    let grant = granted(&iam, &user, &args.policy_name).await?;
    let buckets =
        interrupt::or_abandon(locate_all(&aws.s3(aws.home_region()), &grant.buckets, ui)).await?;

    let mut outcome =
        Outcome { user_name: user.name.clone(), buckets: buckets.clone(), ..Outcome::default() };
    let mut ledger = Ledger::default();
    let plan = TestPlan {
        buckets: &buckets,
        access: Some(grant.access),
        prefix: grant.prefix.as_deref(),
        timeout: args.test_timeout.duration(),
        expected_arn: Some(&user.arn),
        new_key: true,
    };
    let mut result = replace_key(&aws, &user, args, &plan, &mut ledger, &mut outcome, ui).await;
    if result.is_err() {
        let rollback = ledger.undo(&iam, ui).await;
        outcome.rolled_back = rollback.removed;
        outcome.remaining = rollback.remaining;
        outcome.access_key_id = None;
    } else {
        // The new key is saved and works: a failure now leaves both keys,
        // which is safe, and is reported as such.
        for old in old_keys.iter().filter_map(|k| k.access_key_id()) {
            match delete_key(&iam, &user.name, old).await {
                Ok(()) => {
                    ui.done(format!("Deleted the old key {old}"));
                    outcome.deleted_keys.push(old.to_owned());
                }
                Err(err) => {
                    let hint = format!(
                        "the new key is saved and works; delete the old one with `aws iam \
                         delete-access-key --user-name {} --access-key-id {old}`",
                        user.name
                    );
                    result = Err(err.with_hint(hint));
                }
            }
        }
    }
    outcome.error = result.as_ref().err().map(ErrorReport::from);
    print(&outcome, args.output.format)?;
    result
}

/// The user's current key (at most one): a second one would exceed IAM's
/// limit of two once the new key exists.
async fn replaceable_keys(
    iam: &aws_sdk_iam::Client,
    user: &User,
) -> Result<Vec<AccessKeyMetadata>> {
    let keys = list_keys(iam, &user.name).await?;
    if keys.len() < 2 {
        return Ok(keys);
    }
    Err(two_keys_error(&user.name, &keys))
}

/// What the user's policy grants: the buckets and access to test.
async fn granted(iam: &aws_sdk_iam::Client, user: &User, policy: &str) -> Result<ReadGrant> {
    let document = policy_document(iam, &user.name, policy).await?;
    read_grant(&document).ok_or_else(|| {
        Error::aws_plain(
            format!("inline policy `{policy}` of user `{}` grants no bucket", user.name),
            "there is nothing to test the new key against",
        )
    })
}

async fn replace_key(
    aws: &Aws,
    user: &User,
    args: &RotateArgs,
    plan: &TestPlan<'_>,
    ledger: &mut Ledger,
    outcome: &mut Outcome,
    ui: &Ui,
) -> Result<()> {
    let iam = aws.iam();
    let key: NewKey =
        create_slash_free_key(&iam, &user.name, args.key_attempts.max, ledger).await?;
    ui.done(key.created_message());
    outcome.access_key_id = Some(key.access_key_id.clone());
    outcome.key_attempts = key.attempts;
    interrupt::check()?;

    let with_key = aws.with_key(&key.access_key_id, &key.secret);
    let report = connection_test::run(&with_key, plan, ui).await?;
    let verdict = report.verdict();
    outcome.connection_test = Some(report);
    verdict?;

    let stored = StoredKey::for_user(&user.name, &key);
    let path =
        credentials_file::write_pending(&args.credentials_file, &stored, args.force)?.commit()?;
    ui.done(format!("Saved {} (mode 0600)", path.display()));
    outcome.credentials_file = Some(credentials_file::shown(&path));
    outcome.secret_access_key = args.show_secret.then(|| key.secret.expose().to_owned());
    Ok(())
}

fn print(outcome: &Outcome, format: OutputFormat) -> Result<()> {
    match format {
        OutputFormat::Json => print_json(outcome),
        OutputFormat::Text => {
            if let (Some(id), Some(file)) = (&outcome.access_key_id, &outcome.credentials_file) {
                println!("User {} now has one key, {id}, saved in {file}.", outcome.user_name);
                println!("In each Xplenty S3 connection of this user, replace the keys:");
                println!("  Access key ID      {id}");
                match &outcome.secret_access_key {
                    Some(secret) => println!("  Secret access key  {secret}"),
                    None => println!("  Secret access key  (in {file})"),
                }
                for bucket in &outcome.buckets {
                    println!("  Region             {} (bucket {})", bucket.region, bucket.name);
                }
                println!("The old key is deleted: connections still using it stop working.");
            }
        }
    }
    Ok(())
}
