//! The validated, immutable configuration of a `setup` run.
//!
//! Built once from the flags (and, on a terminal, the wizard's answers);
//! no step reads flags or the environment after this.

use std::path::PathBuf;
use std::time::Duration;

use crate::cli::{OutputFormat, SetupArgs};
use crate::error::{Error, Result};
use crate::policy::{self, Access};
use crate::validate::{self, Warning};

pub const DEFAULT_USER_NAME: &str = "xplenty";
pub const DEFAULT_POLICY_NAME: &str = "Xplenty";
pub const DEFAULT_CREDENTIALS_FILE: &str = "credentials.csv";

#[derive(Debug, Clone)]
pub struct SetupConfig {
    pub buckets: Vec<String>,
    pub access: Access,
    pub user_name: String,
    pub policy_name: String,
    pub prefix: Option<String>,
    pub credentials_file: PathBuf,
    pub force: bool,
    pub reuse_user: bool,
    pub max_key_attempts: u32,
    pub test_timeout: Duration,
    pub skip_test: bool,
    pub keep_on_failure: bool,
    pub dry_run: bool,
    pub output: OutputFormat,
    pub show_secret: bool,
}

impl SetupConfig {
    /// Checks every value given so far, before the wizard asks for the rest
    /// and before any AWS call. Returns the warnings worth showing.
    pub fn check_given(args: &SetupArgs) -> Result<Vec<Warning>> {
        check_flag_conflicts(args)?;
        let warnings = validate::grant(&args.buckets, args.prefix.as_deref())?;
        if let Some(name) = &args.user_name {
            validate::user_name(name)?;
        }
        if let Some(name) = &args.policy_name {
            validate::policy_name(name)?;
        }
        if let Some(path) = &args.credentials_file {
            validate::credentials_path(path, args.force)?;
        }
        Ok(warnings)
    }

    /// Builds the configuration from complete arguments. A missing value is
    /// named by the flag that provides it.
    pub fn from_args(args: &SetupArgs) -> Result<(Self, Vec<Warning>)> {
        let warnings = Self::check_given(args)?;
        if args.buckets.is_empty() {
            return Err(missing("--bucket NAME", "XPLENTY_S3_BUCKET"));
        }
        let access = args
            .access
            .ok_or_else(|| missing("--access read-only|read-write", "XPLENTY_S3_ACCESS"))?;
        let buckets = validate::unique(&args.buckets);
        let user_name = args.user_name.clone().unwrap_or_else(|| DEFAULT_USER_NAME.into());
        let policy_name = args.policy_name.clone().unwrap_or_else(|| DEFAULT_POLICY_NAME.into());
        let credentials_file =
            args.credentials_file.clone().unwrap_or_else(|| DEFAULT_CREDENTIALS_FILE.into());
        if args.credentials_file.is_none() {
            validate::credentials_path(&credentials_file, args.force)?;
        }

        let config = Self {
            buckets,
            access,
            user_name,
            policy_name,
            prefix: args.prefix.clone(),
            credentials_file,
            force: args.force,
            reuse_user: args.reuse_user,
            max_key_attempts: args.key_attempts.max,
            test_timeout: args.test_timeout.duration(),
            skip_test: args.skip_test,
            keep_on_failure: args.keep_on_failure,
            dry_run: args.dry_run,
            output: args.output.format,
            show_secret: args.show_secret,
        };
        // The commercial partition has the shortest ARNs: a document over the
        // cap here is over it everywhere. The runner checks again with the
        // account's own partition and the user's other inline policies.
        policy::check_size(&config.grant("aws").to_json(), 0)?;
        Ok((config, warnings))
    }

    pub fn grant<'a>(&'a self, partition: &'a str) -> policy::Grant<'a> {
        policy::Grant {
            buckets: &self.buckets,
            access: self.access,
            prefix: self.prefix.as_deref(),
            partition,
        }
    }
}

fn missing(flag: &str, env: &str) -> Error {
    Error::input_with_hint(
        format!("missing {flag}"),
        format!(
            "pass {flag} or set {env}; without a terminal (or with --no-input) nothing is asked"
        ),
    )
}

fn check_flag_conflicts(args: &SetupArgs) -> Result<()> {
    let conflicts = [
        (
            args.skip_test && args.keep_on_failure,
            "--skip-test",
            "--keep-on-failure",
            "without a test there is no test failure to keep anything for",
        ),
        (
            args.dry_run && args.keep_on_failure,
            "--dry-run",
            "--keep-on-failure",
            "a dry run creates nothing, so there is nothing to keep",
        ),
        (
            args.dry_run && args.show_secret,
            "--dry-run",
            "--show-secret",
            "a dry run creates no key, so there is no secret to show",
        ),
    ];
    match conflicts.into_iter().find(|(clash, ..)| *clash) {
        Some((_, a, b, why)) => Err(Error::input(format!("{a} cannot be used with {b}: {why}"))),
        None => Ok(()),
    }
}
