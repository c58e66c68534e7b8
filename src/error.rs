//! The errors a run can end with, each tied to one documented exit code.

use std::fmt;

use aws_sdk_iam::error::DisplayErrorContext;
use aws_sdk_iam::error::ProvideErrorMetadata;

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
    Input {
        message: String,
        hint: Option<String>,
    },

    /// An AWS call failed; `context` names the call and the resource.
    #[error("{context}: {detail}")]
    Aws {
        context: String,
        detail: String,
        code: Option<String>,
        hint: Option<String>,
    },

    /// The new key was created but could not do what it was made for.
    #[error("the connection test with the new key failed: {0}")]
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
        Self::Input {
            message: message.into(),
            hint: None,
        }
    }

    pub fn input_with_hint(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::Input {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    /// Wraps an SDK error with the action and resource it concerned.
    pub fn aws<E>(context: impl Into<String>, err: E) -> Self
    where
        E: std::error::Error + ProvideErrorMetadata + 'static,
    {
        let code = err.code().map(str::to_owned);
        let hint = code.as_deref().and_then(hint_for_code).map(str::to_owned);
        Self::Aws {
            context: context.into(),
            detail: detail_of(&err),
            code,
            hint,
        }
    }

    /// An AWS-side failure that is not one SDK error, such as a bound reached.
    pub fn aws_plain(context: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::Aws {
            context: context.into(),
            detail: detail.into(),
            code: None,
            hint: None,
        }
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

/// One line describing an SDK error: its code and message when the service
/// sent them, the whole source chain otherwise (timeouts, DNS, TLS).
pub fn detail_of<E>(err: &E) -> String
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
{
    match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => DisplayErrorContext(err).to_string(),
    }
}

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
        write!(f, "error: {}", self.0)?;
        if let Error::Internal(err) = self.0 {
            for cause in err.chain().skip(1) {
                write!(f, "\n  caused by: {cause}")?;
            }
        }
        if let Some(hint) = self.0.hint() {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}
