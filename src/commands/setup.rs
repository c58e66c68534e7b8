//! `xplenty-s3 setup`: the whole procedure, as a wizard or scripted.

use std::io::IsTerminal;

use crate::aws::Aws;
use crate::cli::{GlobalArgs, OutputFormat, SetupArgs};
use crate::config::SetupConfig;
use crate::error::{Error, Result};
use crate::report::{print_json, ErrorReport, SetupReport};
use crate::steps::attach_policy;
use crate::steps::bucket_region::{locate_all, Bucket};
use crate::steps::create_access_key::{list_keys, two_keys_error};
use crate::steps::create_user::{existing_user_hint, find_user, User};
use crate::steps::credentials_file;
use crate::steps::identity::{who_am_i, Identity};
use crate::ui::Ui;
use crate::{interrupt, runner, wizard};

/// Runs `setup` and prints its result: the summary, or with `--output json`
/// one JSON document whether the run succeeded or not.
pub async fn run(global: &GlobalArgs, args: SetupArgs, ui: &Ui) -> Result<()> {
    let output = args.output.format;
    let (report, failure) =
        prepare_and_run(global, args, ui).await.unwrap_or_else(|err| (None, Some(err)));
    match (output, &report, &failure) {
        (OutputFormat::Json, Some(report), _) => print_json(report),
        (OutputFormat::Text, Some(report), None) => print!("{}", report.summary()),
        _ => {}
    }
    failure.map_or(Ok(()), Err)
}

/// Shows the plan on stdout, with what already exists, using read calls only.
async fn dry_run(
    aws: &Aws,
    config: &SetupConfig,
    identity: &Identity,
    buckets: &[Bucket],
) -> Result<()> {
    let existing = interrupt::or_abandon(find_user(&aws.iam(), &config.user_name)).await?;
    let verdict = interrupt::or_abandon(dry_run_verdict(aws, config, identity, existing)).await;
    let document = config.grant(&identity.partition).to_json();
    if config.output == OutputFormat::Json {
        let policy: serde_json::Value =
            serde_json::from_str(&document).map_err(anyhow::Error::from)?;
        print_json(&serde_json::json!({
            "dry_run": true,
            "account": identity.account,
            "user_name": config.user_name,
            "user_exists": existing.is_some(),
            "access": config.access,
            "policy_name": config.policy_name,
            "policy": policy,
            "buckets": buckets,
            "credentials_file": credentials_file::shown(&config.credentials_file),
            "credentials_file_exists": config.credentials_file.exists(),
            "error": verdict.as_ref().err().map(ErrorReport::from),
        }));
    } else {
        print!("{}", wizard::plan(config, identity, buckets));
        if verdict.is_ok() {
            let user = if existing.is_some() { "would be reused" } else { "would be created" };
            println!("IAM user `{}` {user}. Dry run: nothing was created.", config.user_name);
        }
    }
    verdict
}

/// Where the real run would stop, found with read calls only: an existing
/// user without --reuse-user; for a reused user, two keys already, or no
/// room for the policy beside its other inline policies.
async fn dry_run_verdict(
    aws: &Aws,
    config: &SetupConfig,
    identity: &Identity,
    existing: Option<bool>,
) -> Result<()> {
    let iam = aws.iam();
    match (existing, config.reuse_user) {
        (None, _) => Ok(()),
        (Some(tagged), false) => Err(Error::aws_plain(
            format!("IAM user `{}` already exists: setup would stop there", config.user_name),
            "nothing was created (dry run)",
        )
        .with_hint(existing_user_hint(&config.user_name, tagged))),
        (Some(_), true) => {
            let keys = list_keys(&iam, &config.user_name).await?;
            if keys.len() >= 2 {
                return Err(two_keys_error(&config.user_name, &keys));
            }
            let user = User { name: config.user_name.clone(), arn: String::new(), created: false };
            let document = config.grant(&identity.partition).to_compact_json();
            attach_policy::prepare(&iam, &user, &config.policy_name, &document).await.map(drop)
        }
    }
}

type Finished = (Option<SetupReport>, Option<Error>);

async fn prepare_and_run(global: &GlobalArgs, mut args: SetupArgs, ui: &Ui) -> Result<Finished> {
    interrupt::listen();
    let interactive = !args.no_input
        && std::io::stdin().is_terminal()
        && std::io::stdout().is_terminal()
        && ui.is_terminal();
    // Everything given is checked before the first AWS call; the wizard
    // checks each answer as it is typed, and the whole once more after.
    let scripted = if interactive {
        SetupConfig::check_given(&args)?;
        None
    } else {
        let (config, warnings) = SetupConfig::from_args(&args)?;
        for warning in warnings {
            ui.warn(warning.0);
        }
        Some(config)
    };

    let aws = Aws::load(global).await;
    let identity = interrupt::or_abandon(who_am_i(&aws.sts())).await?;
    let config = match scripted {
        Some(config) => config,
        None => {
            wizard::ask_missing(&mut args, &aws, ui).await?;
            let (config, warnings) = SetupConfig::from_args(&args)?;
            for warning in warnings {
                ui.warn(warning.0);
            }
            config
        }
    };
    ui.done(format!("Signed in to account {} as {}", identity.account, identity.arn));

    let buckets =
        interrupt::or_abandon(locate_all(&aws.s3(aws.home_region()), &config.buckets, ui)).await?;
    if config.dry_run {
        dry_run(&aws, &config, &identity, &buckets).await?;
        return Ok((None, None));
    }
    if interactive && !args.yes {
        ui.say(wizard::plan(&config, &identity, &buckets));
    }
    if interactive && !args.yes && !wizard::confirm()? {
        return Err(Error::input("stopped at the plan: nothing was created"));
    }

    interrupt::check()?;
    let (mut report, failure) = runner::run(&config, &aws, ui, &identity, buckets).await;
    report.error = failure.as_ref().map(Into::into);
    Ok((Some(report), failure))
}
