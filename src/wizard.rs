//! The interactive part of `setup`: prompts for what the flags left out,
//! then a plan to confirm. Everything here is on stderr, and only runs on a
//! terminal without `--no-input`.

use std::fmt::Write as _;
use std::path::PathBuf;

use dialoguer::theme::ColorfulTheme;
use dialoguer::{Confirm, Input, Select};

use crate::aws::Aws;
use crate::cli::SetupArgs;
use crate::config::{
    SetupConfig, DEFAULT_CREDENTIALS_FILE, DEFAULT_POLICY_NAME, DEFAULT_USER_NAME,
};
use crate::error::{Error, Result};
use crate::policy::Access;
use crate::steps::bucket_region::{find_region, Bucket};
use crate::steps::create_user::{find_user, TAG_KEY, TAG_VALUE};
use crate::steps::identity::Identity;
use crate::ui::Ui;
use crate::{interrupt, validate};

/// Ctrl-C at a prompt comes back as an interrupted read: nothing exists
/// yet, so the run simply ends, with the cursor the prompt hid shown again.
fn prompt_error(err: dialoguer::Error) -> Error {
    let dialoguer::Error::IO(io) = &err;
    if io.kind() == std::io::ErrorKind::Interrupted {
        let _ = console::Term::stderr().show_cursor();
        eprintln!();
        return Error::Interrupted;
    }
    Error::Internal(anyhow::Error::new(err).context("reading an answer from the terminal"))
}

/// Asks for every value the flags did not give.
pub async fn ask_missing(args: &mut SetupArgs, aws: &Aws, ui: &Ui) -> Result<()> {
    let theme = ColorfulTheme::default();
    if args.buckets.is_empty() {
        let offered = interrupt::or_abandon(async { Ok(list_buckets(aws).await) }).await?;
        args.buckets.push(ask_bucket(&theme, &offered, aws, ui).await?);
    }
    if args.access.is_none() {
        let choices =
            ["read-only   list and read objects", "read-write  also write and delete objects"];
        let picked = Select::with_theme(&theme)
            .with_prompt("What may Xplenty do in the bucket?")
            .items(&choices)
            .default(0)
            .interact()
            .map_err(prompt_error)?;
        args.access = Some([Access::ReadOnly, Access::ReadWrite][picked]);
    }
    if args.user_name.is_none() {
        args.user_name = Some(ask_user_name(&theme, aws, args.reuse_user, ui).await?);
    }
    if args.policy_name.is_none() {
        args.policy_name = Some(ask_text(
            &theme,
            "Inline policy name",
            DEFAULT_POLICY_NAME,
            validate::policy_name,
        )?);
    }
    if args.credentials_file.is_none() {
        let force = args.force;
        let path = ask_text(&theme, "Save credentials.csv as", DEFAULT_CREDENTIALS_FILE, |p| {
            validate::credentials_path(&home_expanded(p), force)
        })?;
        args.credentials_file = Some(home_expanded(&path));
    }
    Ok(())
}

/// A long message without its reason, so that it fits on the one line the
/// prompt redraws.
fn first_clause(message: &str) -> String {
    if message.chars().count() <= 72 {
        return message.to_owned();
    }
    message.split(": ").next().unwrap_or(message).to_owned()
}

/// A typed path with a leading `~/` read as the home folder, as a shell would.
fn home_expanded(typed: &str) -> PathBuf {
    match (typed.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(typed),
    }
}

/// The buckets the admin credentials can see; none when listing is refused.
async fn list_buckets(aws: &Aws) -> Vec<String> {
    match aws.s3(aws.home_region()).list_buckets().send().await {
        Ok(out) => out.buckets().iter().filter_map(|b| b.name().map(str::to_owned)).collect(),
        Err(err) => {
            tracing::info!(error = %crate::error::Answer::of(&err).detail, "cannot list buckets");
            Vec::new()
        }
    }
}

async fn ask_bucket(
    theme: &ColorfulTheme,
    offered: &[String],
    aws: &Aws,
    ui: &Ui,
) -> Result<String> {
    if !offered.is_empty() {
        let mut items: Vec<&str> = offered.iter().map(String::as_str).collect();
        items.push("(type another name)");
        let picked = Select::with_theme(theme)
            .with_prompt("Which bucket should Xplenty use?")
            .items(&items)
            .default(0)
            .interact()
            .map_err(prompt_error)?;
        if let Some(name) = offered.get(picked) {
            return Ok(name.clone());
        }
    }
    // A typed name is looked up at once, so a typo is not found only after
    // the plan was confirmed.
    let s3 = aws.s3(aws.home_region());
    loop {
        let name =
            ask_text(theme, "Bucket name", "", |name| validate::bucket_name(name).map(drop))?;
        match interrupt::or_abandon(find_region(&s3, &name)).await {
            Err(Error::Aws { code: Some(code), .. }) if code == "NotFound" => {
                ui.warn(format!("there is no bucket `{name}`: check the name with `aws s3 ls`"));
            }
            other => return other.map(|_| name),
        }
    }
}

/// Asks for the user name until it names no existing user (any name does
/// with `--reuse-user`).
async fn ask_user_name(theme: &ColorfulTheme, aws: &Aws, reuse: bool, ui: &Ui) -> Result<String> {
    loop {
        let name = ask_text(theme, "IAM user name", DEFAULT_USER_NAME, validate::user_name)?;
        if reuse || interrupt::or_abandon(find_user(&aws.iam(), &name)).await?.is_none() {
            return Ok(name);
        }
        ui.warn(format!(
            "IAM user `{name}` already exists: choose another name, or run again with \
             --reuse-user to give it a new key, or `xplenty-s3 rotate --user-name {name}`"
        ));
    }
}

fn ask_text(
    theme: &ColorfulTheme,
    prompt: &str,
    default: &str,
    check: impl Fn(&str) -> Result<()>,
) -> Result<String> {
    let mut input = Input::<String>::with_theme(theme).with_prompt(prompt);
    if !default.is_empty() {
        input = input.default(default.to_owned());
    }
    input
        .validate_with(|value: &String| check(value).map_err(|err| first_clause(&err.to_string())))
        .interact_text()
        .map_err(prompt_error)
}

/// What `setup` is about to do, for confirmation and for `--dry-run`.
pub fn plan(config: &SetupConfig, identity: &Identity, buckets: &[Bucket]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Plan, in account {} as {}:", identity.account, identity.arn);
    let located: Vec<String> =
        buckets.iter().map(|b| format!("{} ({})", b.name, b.region)).collect();
    let _ = writeln!(out, "  buckets: {}", located.join(", "));
    let user = if config.reuse_user { "create (or reuse)" } else { "create" };
    let _ =
        writeln!(out, "  1. {user} IAM user `{}`, tagged {TAG_KEY}={TAG_VALUE}", config.user_name);
    let _ = writeln!(
        out,
        "  2. create an access key whose secret has no `/` (at most {} tries)",
        config.max_key_attempts
    );
    let _ = writeln!(
        out,
        "  3. attach {} inline policy `{}`:",
        config.access.as_str(),
        config.policy_name
    );
    for line in config.grant(&identity.partition).to_json().lines() {
        let _ = writeln!(out, "       {line}");
    }
    let _ = writeln!(out, "  4. save {} (mode 0600)", config.credentials_file.display());
    if config.skip_test {
        let _ = writeln!(out, "  5. (no connection test: --skip-test)");
    } else {
        let _ = writeln!(out, "  5. test the connection with the new key");
    }
    out
}

pub fn confirm() -> Result<bool> {
    Confirm::with_theme(&ColorfulTheme::default())
        .with_prompt("Go ahead?")
        .default(true)
        .interact()
        .map_err(prompt_error)
}
