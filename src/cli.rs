//! Every flag, environment variable and subcommand of the tool.
//!
//! This is the one place that knows about flags: what comes after works on
//! the validated [`crate::config`] types built from these.

use std::path::PathBuf;

use clap::builder::BoolishValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::policy::Access;

const EXIT_CODES: &str = "\
Exit codes:
  0    done
  1    unexpected internal error
  2    invalid input or usage, or a confirmation declined (nothing was created)
  3    an AWS call failed or was refused (what this run created has been removed)
  4    the connection test failed (what this run created has been removed,
       unless --keep-on-failure)
  130  interrupted (what this run created has been removed)";

#[derive(Debug, Parser)]
#[command(
    name = "xplenty-s3",
    version,
    about = "Give Xplenty (Integrate.io) safe, tested access to an Amazon S3 bucket",
    long_about = "Give Xplenty (Integrate.io) safe, tested access to an Amazon S3 bucket.\n\n\
        Creates an IAM user with a slash-free access key and a read-only or read-write \
        bucket policy, saves credentials.csv, and proves with the new key that the access \
        works. A failed run removes what it created.",
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Named profile of the admin credentials (~/.aws/config)
    #[arg(long, global = true, env = "AWS_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,

    /// Region for IAM and STS; buckets are always reached in their own region
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,

    /// Send every AWS request to this URL (an S3/IAM-compatible server); S3 then
    /// uses path-style addressing
    #[arg(long, global = true, env = "AWS_ENDPOINT_URL", value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// More detail on stderr (-v steps, -vv AWS requests, -vvv everything)
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Print only errors and the result
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// When to use colour on stderr (NO_COLOR is honoured with `auto`)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

/// `--output`, shared by every command that prints a result.
#[derive(Debug, Clone, Copy, Args)]
pub struct Output {
    /// Format of the result on stdout
    #[arg(long = "output", env = "XPLENTY_S3_OUTPUT", value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// `--test-timeout`, shared by every command that tests a key.
#[derive(Debug, Clone, Copy, Args)]
pub struct TestTimeout {
    /// Seconds to wait for the key to become active
    #[arg(long = "test-timeout", env = "XPLENTY_S3_TEST_TIMEOUT", default_value_t = 120,
          value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub secs: u64,
}

impl TestTimeout {
    pub fn duration(self) -> std::time::Duration {
        std::time::Duration::from_secs(self.secs)
    }
}

/// `--bucket`, required, shared by `test` and `policy`.
#[derive(Debug, Clone, Args)]
pub struct Buckets {
    /// Bucket (repeat for several)
    #[arg(
        long = "bucket",
        env = "XPLENTY_S3_BUCKET",
        value_delimiter = ',',
        value_parser = bucket_arg,
        required = true,
        value_name = "NAME"
    )]
    pub names: Vec<String>,
}

/// `--max-key-attempts`, shared by the commands that create a key.
#[derive(Debug, Clone, Copy, Args)]
pub struct KeyAttempts {
    /// How many keys to try before giving up on a slash-free secret
    #[arg(long = "max-key-attempts", env = "XPLENTY_S3_MAX_KEY_ATTEMPTS", default_value_t = 10,
          value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
    pub max: u32,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the user, key, policy and credentials.csv, then test them
    #[command(after_help = SETUP_EXAMPLES)]
    Setup(SetupArgs),

    /// Run the connection test with an existing credentials file
    #[command(after_help = TEST_EXAMPLES)]
    Test(TestArgs),

    /// Replace a user's key: create a slash-free key, test it, save it, delete the old one
    #[command(after_help = ROTATE_EXAMPLES)]
    Rotate(RotateArgs),

    /// Delete a user this tool created: its keys, inline policies, then the user
    #[command(after_help = TEARDOWN_EXAMPLES)]
    Teardown(TeardownArgs),

    /// Print the policy document that setup would attach
    #[command(after_help = POLICY_EXAMPLES)]
    Policy(PolicyArgs),

    /// Print the manual page, or write one page per command to a folder
    #[command(after_help = "Examples:\n  xplenty-s3 man > xplenty-s3.1\n  \
        xplenty-s3 man --dir ~/.local/share/man/man1")]
    Man {
        /// Write xplenty-s3.1, xplenty-s3-setup.1, ... into this folder
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },

    /// Print a shell completion script
    #[command(
        after_help = "Example:\n  xplenty-s3 completions bash > ~/.local/share/bash-completion/completions/xplenty-s3"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

const SETUP_EXAMPLES: &str = "\
Examples:
  # Interactive wizard
  xplenty-s3 setup

  # Scripted, read-only access to one bucket
  xplenty-s3 setup --bucket my-data --access read-only --no-input

  # CI bootstrap step: JSON on stdout, nothing left behind on failure
  xplenty-s3 setup --bucket my-data --access read-write --no-input --yes --output json

Environment:
  Every flag of setup can be set as XPLENTY_S3_<FLAG>, e.g. XPLENTY_S3_BUCKET=a,b or
  XPLENTY_S3_NO_INPUT=1 (switches take 1/0, true/false, yes/no, on/off). Admin
  credentials come from the AWS CLI's chain: AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO, ...";

impl Command {
    /// The `--output` format of commands that have one.
    pub fn output(&self) -> Option<OutputFormat> {
        match self {
            Self::Setup(args) => Some(args.output.format),
            Self::Test(args) => Some(args.output.format),
            Self::Rotate(args) => Some(args.output.format),
            Self::Teardown(args) => Some(args.output.format),
            Self::Policy(_) | Self::Man { .. } | Self::Completions { .. } => None,
        }
    }
}

const TEST_EXAMPLES: &str = "\
Examples:
  xplenty-s3 test --bucket my-data --access read-only
  xplenty-s3 test --credentials-file ~/Downloads/xplenty_accessKeys.csv --bucket my-data";

const ROTATE_EXAMPLES: &str = "\
Examples:
  # New key for user xplenty, tested against the buckets of its policy
  xplenty-s3 rotate --force
  xplenty-s3 rotate --user-name xplenty-prod --credentials-file prod.csv --force --output json";

const TEARDOWN_EXAMPLES: &str = "\
Examples:
  xplenty-s3 teardown --dry-run
  xplenty-s3 teardown --user-name xplenty-old --yes";

const POLICY_EXAMPLES: &str = "\
Examples:
  xplenty-s3 policy --bucket my-data --access read-only
  xplenty-s3 policy --bucket a-bucket --bucket b-bucket --access read-write --prefix exports/";

#[derive(Debug, Args)]
pub struct SetupArgs {
    /// Bucket Xplenty may use (repeat for several)
    #[arg(long = "bucket", env = "XPLENTY_S3_BUCKET", value_delimiter = ',', value_parser = bucket_arg, value_name = "NAME")]
    pub buckets: Vec<String>,

    /// What Xplenty may do in the buckets
    #[arg(long, env = "XPLENTY_S3_ACCESS", value_enum)]
    pub access: Option<Access>,

    /// Name of the IAM user to create [default: xplenty]
    #[arg(long, env = "XPLENTY_S3_USER_NAME", value_name = "NAME")]
    pub user_name: Option<String>,

    /// Name of the inline policy [default: Xplenty]
    #[arg(long, env = "XPLENTY_S3_POLICY_NAME", value_name = "NAME")]
    pub policy_name: Option<String>,

    /// Confine access to keys starting with this prefix, e.g. `exports/`
    #[arg(long, env = "XPLENTY_S3_PREFIX", value_name = "P")]
    pub prefix: Option<String>,

    /// Where to save credentials.csv [default: credentials.csv]
    #[arg(long, env = "XPLENTY_S3_CREDENTIALS_FILE", value_name = "PATH")]
    pub credentials_file: Option<PathBuf>,

    /// Replace an existing credentials file
    #[arg(long, env = "XPLENTY_S3_FORCE", value_parser = BoolishValueParser::new())]
    pub force: bool,

    /// Use an existing IAM user of that name instead of failing
    #[arg(long, env = "XPLENTY_S3_REUSE_USER", value_parser = BoolishValueParser::new())]
    pub reuse_user: bool,

    #[command(flatten)]
    pub key_attempts: KeyAttempts,

    #[command(flatten)]
    pub test_timeout: TestTimeout,

    /// Do not run the connection test
    #[arg(long, env = "XPLENTY_S3_SKIP_TEST", value_parser = BoolishValueParser::new())]
    pub skip_test: bool,

    /// If the connection test fails, keep what was created (and save the file) instead of removing it
    #[arg(long, env = "XPLENTY_S3_KEEP_ON_FAILURE", value_parser = BoolishValueParser::new())]
    pub keep_on_failure: bool,

    /// Show what would be created, using only read calls; change nothing
    #[arg(long, env = "XPLENTY_S3_DRY_RUN", value_parser = BoolishValueParser::new())]
    pub dry_run: bool,

    /// Do not ask for confirmation of the plan
    #[arg(short, long, env = "XPLENTY_S3_YES", value_parser = BoolishValueParser::new())]
    pub yes: bool,

    /// Never prompt; a missing value is an error
    #[arg(long, env = "XPLENTY_S3_NO_INPUT", value_parser = BoolishValueParser::new())]
    pub no_input: bool,

    #[command(flatten)]
    pub output: Output,

    /// Print the secret access key on stdout (it is always in the credentials file)
    #[arg(long, env = "XPLENTY_S3_SHOW_SECRET", value_parser = BoolishValueParser::new())]
    pub show_secret: bool,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// The credentials file to test (any layout the AWS console has produced)
    #[arg(
        long,
        env = "XPLENTY_S3_CREDENTIALS_FILE",
        default_value = "credentials.csv",
        value_name = "PATH"
    )]
    pub credentials_file: PathBuf,

    #[command(flatten)]
    pub buckets: Buckets,

    /// Also check writing (read-write) or that writing is refused (read-only)
    #[arg(long, env = "XPLENTY_S3_ACCESS", value_enum)]
    pub access: Option<Access>,

    /// Test under this key prefix only
    #[arg(long, env = "XPLENTY_S3_PREFIX", value_name = "P")]
    pub prefix: Option<String>,

    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct RotateArgs {
    /// The IAM user whose key to replace (one this tool created)
    #[arg(long, env = "XPLENTY_S3_USER_NAME", default_value = "xplenty", value_name = "NAME")]
    pub user_name: String,

    /// Inline policy that names the buckets to test the new key against
    #[arg(long, env = "XPLENTY_S3_POLICY_NAME", default_value = "Xplenty", value_name = "NAME")]
    pub policy_name: String,

    /// Where to save the new key
    #[arg(
        long,
        env = "XPLENTY_S3_CREDENTIALS_FILE",
        default_value = "credentials.csv",
        value_name = "PATH"
    )]
    pub credentials_file: PathBuf,

    /// Replace an existing credentials file (the old key's, usually)
    #[arg(long, env = "XPLENTY_S3_FORCE", value_parser = BoolishValueParser::new())]
    pub force: bool,

    #[command(flatten)]
    pub key_attempts: KeyAttempts,

    #[command(flatten)]
    pub test_timeout: TestTimeout,

    #[command(flatten)]
    pub output: Output,

    /// Print the new secret access key on stdout
    #[arg(long, env = "XPLENTY_S3_SHOW_SECRET", value_parser = BoolishValueParser::new())]
    pub show_secret: bool,
}

#[derive(Debug, Args)]
pub struct TeardownArgs {
    /// The IAM user to delete
    #[arg(long, env = "XPLENTY_S3_USER_NAME", default_value = "xplenty", value_name = "NAME")]
    pub user_name: String,

    /// List what would be deleted; delete nothing
    #[arg(long, env = "XPLENTY_S3_DRY_RUN", value_parser = BoolishValueParser::new())]
    pub dry_run: bool,

    /// Do not ask for confirmation (required without a terminal)
    #[arg(short, long, env = "XPLENTY_S3_YES", value_parser = BoolishValueParser::new())]
    pub yes: bool,

    /// Never prompt
    #[arg(long, env = "XPLENTY_S3_NO_INPUT", value_parser = BoolishValueParser::new())]
    pub no_input: bool,

    /// Also delete a user that this tool did not create
    #[arg(long)]
    pub force: bool,

    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    #[command(flatten)]
    pub buckets: Buckets,

    /// What the policy allows
    #[arg(long, env = "XPLENTY_S3_ACCESS", value_enum)]
    pub access: Access,

    /// Confine access to keys starting with this prefix
    #[arg(long, env = "XPLENTY_S3_PREFIX", value_name = "P")]
    pub prefix: Option<String>,

    /// ARN partition of the account
    #[arg(long, default_value = "aws", value_parser = ["aws", "aws-cn", "aws-us-gov"])]
    pub partition: String,
}

/// Whether `--output json` (or `XPLENTY_S3_OUTPUT=json`) is on a command
/// line that clap could not parse, so that even a usage error is reported
/// as JSON.
pub fn json_requested(args: impl Iterator<Item = String>) -> bool {
    let args: Vec<String> = args.collect();
    let flag = args.windows(2).any(|w| w[0] == "--output" && w[1] == "json")
        || args.iter().any(|a| a == "--output=json");
    flag || std::env::var("XPLENTY_S3_OUTPUT").is_ok_and(|v| v == "json")
}

/// A `--bucket` value (or one item of `XPLENTY_S3_BUCKET=a,b`), without
/// the spaces that often follow a comma. The naming rules come later.
fn bucket_arg(value: &str) -> Result<String, String> {
    match value.trim() {
        "" => Err(String::from("a bucket name cannot be empty")),
        name => Ok(name.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
