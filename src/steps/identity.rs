//! Who am I: the account, caller ARN and ARN partition of a set of credentials.
//!
//! The partition (`aws`, `aws-cn`, `aws-us-gov`) is read from the caller's
//! ARN, so every ARN the tool writes matches the account it runs in.

use aws_sdk_sts::Client;
use serde::Serialize;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize)]
pub struct Identity {
    pub account: String,
    pub arn: String,
    pub partition: String,
}

/// Calls `sts:GetCallerIdentity`, which every valid credential may call.
pub async fn who_am_i(sts: &Client) -> Result<Identity> {
    let out =
        sts.get_caller_identity().send().await.map_err(|err| {
            Error::aws("checking the admin credentials (sts:GetCallerIdentity)", err)
        })?;
    let arn = out.arn().unwrap_or_default().to_owned();
    Ok(Identity {
        account: out.account().unwrap_or_default().to_owned(),
        partition: partition_of(&arn).to_owned(),
        arn,
    })
}

/// The second field of an ARN; `aws` when the ARN is malformed.
pub fn partition_of(arn: &str) -> &str {
    match arn.split(':').nth(1) {
        Some(partition) if arn.starts_with("arn:") && !partition.is_empty() => partition,
        _ => "aws",
    }
}

#[cfg(test)]
mod tests {
    use super::partition_of;

    #[test]
    fn partition_comes_from_the_arn() {
        let cases = [
            ("arn:aws:iam::123456789012:user/admin", "aws"),
            ("arn:aws-cn:iam::123456789012:user/admin", "aws-cn"),
            ("arn:aws-us-gov:sts::123456789012:assumed-role/r/s", "aws-us-gov"),
            ("", "aws"),
        ];
        for (arn, partition) in cases {
            assert_eq!(partition_of(arn), partition, "{arn}");
        }
    }
}
