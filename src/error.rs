//! The errors a run can end with, each tied to one documented exit code.

use std::fmt;

use aws_sdk_iam::config::http::HttpResponse;
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};

/// Exit codes, as documented in the README and `--help`.
pub mod exit {
    pub const OK: u8 = 0;
    pub const INTERNAL: u8 = 1;
    pub const INPUT: u8 = 2;
    pub const AWS: u8 = 3;
    pub const TEST_FAILED: u8 = 4;
    pub const INTERRUPTED: u8 = 130;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input or usage, found before any AWS call.
    #[error("{message}")]
    Input { message: String, hint: Option<String> },

    /// An AWS call failed; `context` names the call and the resource.
    #[error("{context}: {detail}")]
    Aws { context: String, detail: String, code: Option<String>, hint: Option<String> },

    /// The key could not do what it was made for.
    #[error("the connection test failed: {0}")]
    ConnectionTest(String),

    /// Ctrl-C or SIGTERM.
    #[error("interrupted")]
    Interrupted,

    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn input(message: impl Into<String>) -> Self {
        Self::Input { message: message.into(), hint: None }
    }

    pub fn input_with_hint(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::Input { message: message.into(), hint: Some(hint.into()) }
    }

    /// Wraps an SDK error with the action and resource it concerned.
    pub fn aws<E>(context: impl Into<String>, err: SdkError<E, HttpResponse>) -> Self
    where
        E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
    {
        let answer = Answer::of(&err);
        let hint = match &answer.code {
            Some(code) => hint_for_code(code).map(str::to_owned),
            None if answer.detail.contains("credentials") => Some(NO_CREDENTIALS.to_owned()),
            None if answer.status.is_none() => Some(UNREACHABLE.to_owned()),
            None => None,
        };
        Self::Aws { context: context.into(), detail: answer.detail, code: answer.code, hint }
    }

    /// An AWS-side failure that is not one SDK error, such as a bound reached.
    pub fn aws_plain(context: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::Aws { context: context.into(), detail: detail.into(), code: None, hint: None }
    }

    /// Replaces the hint of an AWS or input error.
    pub fn with_hint(mut self, new: impl Into<String>) -> Self {
        match &mut self {
            Self::Input { hint, .. } | Self::Aws { hint, .. } => *hint = Some(new.into()),
            _ => {}
        }
        self
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Input { .. } => exit::INPUT,
            Self::Aws { .. } => exit::AWS,
            Self::ConnectionTest(_) => exit::TEST_FAILED,
            Self::Interrupted => exit::INTERRUPTED,
            Self::Internal(_) => exit::INTERNAL,
        }
    }

    pub fn hint(&self) -> Option<&str> {
        match self {
            Self::Input { hint, .. } | Self::Aws { hint, .. } => hint.as_deref(),
            _ => None,
        }
    }

    /// A short machine-readable name for the JSON output.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Input { .. } => "invalid_input",
            Self::Aws { .. } => "aws",
            Self::ConnectionTest(_) => "connection_test",
            Self::Interrupted => "interrupted",
            Self::Internal(_) => "internal",
        }
    }
}

/// What AWS answered to a failed call, reduced to what callers reason about
/// and to one line a person can read.
#[derive(Debug, Clone)]
pub struct Answer {
    pub code: Option<String>,
    pub status: Option<u16>,
    pub detail: String,
}

impl Answer {
    pub fn of<E>(err: &SdkError<E, HttpResponse>) -> Self
    where
        E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
    {
        let status = err.raw_response().map(|r| r.status().as_u16());
        // Some servers answer in a shape the SDK does not parse (an S3-style
        // error from a query API, or an HTML page from a proxy); the code is
        // then read from the body so the message and hint stay useful.
        let code = err.code().map(str::to_owned).or_else(|| err.raw_response().and_then(body_code));
        let detail = match (&code, err.message(), status) {
            (Some(code), Some(message), _) => format!("{code}: {message}"),
            (Some(code), None, Some(status)) => format!("{code} (HTTP {status})"),
            (None, _, Some(status)) => format!("HTTP {status} without an error code"),
            (_, _, None) => causes(err),
        };
        Self { code, status, detail }
    }

    pub fn code_is(&self, codes: &[&str]) -> bool {
        self.code.as_deref().is_some_and(|c| codes.contains(&c))
    }
}

/// The messages of an error and its sources, without the debug dump that
/// `DisplayErrorContext` appends.
fn causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut messages = vec![err.to_string()];
    let mut source = err.source();
    while let Some(cause) = source {
        let message = cause.to_string();
        if !messages.iter().any(|m| m.contains(&message)) {
            messages.push(message);
        }
        source = cause.source();
    }
    messages.join(": ")
}

fn body_code(response: &HttpResponse) -> Option<String> {
    let body = std::str::from_utf8(response.body().bytes()?).ok()?;
    let start = body.find("<Code>")? + "<Code>".len();
    let end = start + body[start..].find("</Code>")?;
    Some(body[start..end].trim().to_owned()).filter(|c| !c.is_empty())
}

const NO_CREDENTIALS: &str = "no usable AWS credentials were found: run `aws configure` or \
    `aws sso login`, pass --profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";

const UNREACHABLE: &str = "AWS could not be reached: check the network, and --endpoint-url or \
    AWS_ENDPOINT_URL if one is set";

fn hint_for_code(code: &str) -> Option<&'static str> {
    Some(match code {
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" => {
            "the admin credentials are not allowed to do this: they need the IAM actions \
             CreateUser, TagUser, CreateAccessKey, DeleteAccessKey, PutUserPolicy and \
             DeleteUserPolicy, DeleteUser, and s3:ListBucket on the bucket"
        }
        "InvalidClientTokenId" | "InvalidAccessKeyId" | "UnrecognizedClientException" => {
            "the admin access key is not known to AWS: check `aws configure list` and --profile"
        }
        "SignatureDoesNotMatch" => "the admin secret access key is wrong for its key id",
        "ExpiredToken" | "ExpiredTokenException" => {
            "the session token has expired: log in again (`aws sso login` for SSO profiles)"
        }
        "RequestTimeTooSkewed" | "SignatureExpired" => {
            "this machine's clock is off by more than 5 minutes: synchronise it"
        }
        "Throttling" | "ThrottlingException" | "SlowDown" => {
            "AWS is throttling this account: wait a minute and run again"
        }
        _ => return None,
    })
}

/// The `error:` / `hint:` block printed once by `main`.
pub struct Report<'a>(pub &'a Error);

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", console::style("error:").for_stderr().red().bold(), self.0)?;
        if let Error::Internal(err) = self.0 {
            for cause in err.chain().skip(1) {
                write!(f, "\n  caused by: {cause}")?;
            }
        }
        if let Some(hint) = self.0.hint() {
            write!(f, "\n{} {hint}", console::style("hint:").for_stderr().cyan())?;
        }
        Ok(())
    }
}
