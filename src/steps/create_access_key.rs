//! Create an access key whose id and secret contain no `/`.
//!
//! Xplenty's engine parses credentials out of `s3://KEY:SECRET@bucket/path`
//! URIs, where a `/` in the secret ends the authority part. AWS hands out
//! such secrets about half of the time, so a key with one is deleted and
//! another created. IAM allows two keys per user: the rejected key is
//! deleted before the next is created.

use aws_sdk_iam::config::http::HttpResponse;
use aws_sdk_iam::error::SdkError;
use aws_sdk_iam::operation::create_access_key::CreateAccessKeyError;
use aws_sdk_iam::types::AccessKeyMetadata;
use aws_sdk_iam::Client;

use crate::error::{Error, Result};
use crate::rollback::{Created, Ledger};
use crate::secret::Secret;

#[derive(Debug, Clone)]
pub struct NewKey {
    pub access_key_id: String,
    pub secret: Secret,
    /// How many keys were created to get this one.
    pub attempts: u32,
}

impl NewKey {
    /// `Created access key AKIA... (2 attempts, rejecting secrets with `/`)`.
    pub fn created_message(&self) -> String {
        let tries = match self.attempts {
            1 => String::from("1 attempt"),
            n => format!("{n} attempts, rejecting secrets with `/`"),
        };
        format!("Created access key {} ({tries})", self.access_key_id)
    }
}

/// Creates keys for `user` until one is slash-free, up to `max_attempts`.
/// Every key is in the ledger while it exists.
///
/// Limitation: a key whose `CreateAccessKey` answer was lost and retried by
/// the SDK is not in the ledger. On a user this run created the rollback
/// still finds it (it deletes every key of the user); on a reused user it
/// stays, and a later run reports the user's two keys.
pub async fn create_slash_free_key(
    iam: &Client,
    user: &str,
    max_attempts: u32,
    ledger: &mut Ledger,
) -> Result<NewKey> {
    for attempt in 1..=max_attempts {
        let (access_key_id, secret) = create_key(iam, user, ledger).await?;
        if !access_key_id.contains('/') && !secret.expose().contains('/') {
            tracing::info!(%access_key_id, attempt, "access key is slash-free");
            return Ok(NewKey { access_key_id, secret, attempts: attempt });
        }
        tracing::info!(%access_key_id, attempt, "access key contains `/`; deleting it");
        delete_key(iam, user, &access_key_id).await?;
        ledger.forget(&Created::AccessKey { user: user.to_owned(), id: access_key_id });
        crate::interrupt::check()?;
    }
    Err(Error::aws_plain(
        format!("no slash-free access key for user `{user}` after {max_attempts} attempts"),
        "each secret AWS generated contained `/`, which Xplenty cannot use",
    )
    .with_hint("run again, or raise --max-key-attempts"))
}

async fn create_key(iam: &Client, user: &str, ledger: &mut Ledger) -> Result<(String, Secret)> {
    let result = iam.create_access_key().user_name(user).send().await;
    let out = match result {
        Ok(out) => out,
        Err(err) if err.as_service_error().is_some_and(|e| e.is_limit_exceeded_exception()) => {
            return Err(two_keys_already(iam, user, err).await);
        }
        Err(err) => {
            return Err(Error::aws(format!("creating an access key for user `{user}`"), err))
        }
    };
    let key = out.access_key().ok_or_else(|| {
        anyhow::anyhow!("CreateAccessKey for user `{user}` answered without a key")
    })?;
    let id = key.access_key_id().to_owned();
    ledger.record(Created::AccessKey { user: user.to_owned(), id: id.clone() });
    Ok((id, Secret::new(key.secret_access_key())))
}

/// Deletes one access key of `user`.
pub async fn delete_key(iam: &Client, user: &str, id: &str) -> Result<()> {
    iam.delete_access_key()
        .user_name(user)
        .access_key_id(id)
        .send()
        .await
        .map_err(|err| Error::aws(format!("deleting access key {id} of user `{user}`"), err))?;
    Ok(())
}

/// The keys of `user`, oldest first.
pub async fn list_keys(iam: &Client, user: &str) -> Result<Vec<AccessKeyMetadata>> {
    let out = iam
        .list_access_keys()
        .user_name(user)
        .send()
        .await
        .map_err(|err| Error::aws(format!("listing the access keys of user `{user}`"), err))?;
    let mut keys = out.access_key_metadata().to_vec();
    keys.sort_by_key(|k| k.create_date().map(|d| d.secs()));
    Ok(keys)
}

/// The error for a user that already holds IAM's maximum of two keys,
/// found when `CreateAccessKey` is refused.
async fn two_keys_already(
    iam: &Client,
    user: &str,
    err: SdkError<CreateAccessKeyError, HttpResponse>,
) -> Error {
    let hint = match list_keys(iam, user).await {
        Ok(keys) => two_keys_hint(user, &keys),
        Err(list_err) => format!("user `{user}` holds two keys (could not list them: {list_err})"),
    };
    Error::aws(format!("creating an access key for user `{user}`"), err).with_hint(hint)
}

/// The error for a reused user that holds two keys, before anything is created.
pub fn two_keys_error(user: &str, keys: &[AccessKeyMetadata]) -> Error {
    Error::aws_plain(
        format!("user `{user}` already holds two access keys, IAM's limit"),
        "a new key cannot be created next to them",
    )
    .with_hint(two_keys_hint(user, keys))
}

/// Lists the keys so the user can decide which one goes.
fn two_keys_hint(user: &str, keys: &[AccessKeyMetadata]) -> String {
    let listing: Vec<String> = keys.iter().map(describe_key).collect();
    format!(
        "user `{user}` holds these keys:\n  {}\nreplace one with `xplenty-s3 rotate --user-name \
         {user}`, or delete the one Xplenty no longer uses (`aws iam delete-access-key \
         --user-name {user} --access-key-id ID`); setup never deletes a key that existed before it",
        listing.join("\n  ")
    )
}

/// `AKIA... Active, created 2026-01-05 (300 days ago)`.
pub fn describe_key(key: &AccessKeyMetadata) -> String {
    let id = key.access_key_id().unwrap_or("?");
    let status = key.status().map_or("unknown", |s| s.as_str());
    let Some(created) = key.create_date() else {
        return format!("{id} {status}");
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let days = (now - created.secs()).max(0) / 86_400;
    let date = created
        .fmt(aws_sdk_iam::primitives::DateTimeFormat::DateTime)
        .map(|s| s.chars().take(10).collect::<String>())
        .unwrap_or_default();
    format!("{id} {status}, created {date} ({days} days ago)")
}
