//! Create the IAM user Xplenty signs in as, tagged as made by this tool.
//!
//! The tag lets `rotate` and `teardown` tell this tool's users from others.
//! An existing user is only used when asked for (`--reuse-user`).

use aws_sdk_iam::types::Tag;
use aws_sdk_iam::Client;

use crate::error::{Error, Result};

pub const TAG_KEY: &str = "managed-by";
pub const TAG_VALUE: &str = "xplenty-s3";

#[derive(Debug, Clone)]
pub struct User {
    pub name: String,
    pub arn: String,
    /// True when this run created the user, false when it reused one.
    pub created: bool,
}

/// Creates the user, or with `reuse` returns the existing one of that name.
///
/// Limitation: if AWS created the user but its answer was lost, the SDK's
/// retry meets `EntityAlreadyExists`; the run then stops as for any existing
/// user, and that user (tagged, with nothing attached) is left for
/// `xplenty-s3 teardown`.
pub async fn create_user(iam: &Client, name: &str, reuse: bool) -> Result<User> {
    let tag = Tag::builder().key(TAG_KEY).value(TAG_VALUE).build().map_err(anyhow::Error::from)?;
    match iam.create_user().user_name(name).tags(tag).send().await {
        Ok(out) => {
            let arn = out.user().map(|u| u.arn().to_owned()).unwrap_or_default();
            Ok(User { name: name.to_owned(), arn, created: true })
        }
        Err(err) if is_already_exists(&err) && reuse => existing_user(iam, name).await,
        Err(err) if is_already_exists(&err) => {
            let tagged = read_user(iam, name).await.is_ok_and(|(_, tagged)| tagged);
            let hint = existing_user_hint(name, tagged);
            Err(Error::aws(format!("creating IAM user `{name}`"), err).with_hint(hint))
        }
        Err(err) => Err(Error::aws(format!("creating IAM user `{name}`"), err)),
    }
}

/// What to do about a user name that is taken; `rotate` only manages users
/// this tool created.
pub fn existing_user_hint(name: &str, tagged: bool) -> String {
    if tagged {
        format!(
            "user `{name}` already exists: pass --reuse-user to give it a new key and policy, \
             run `xplenty-s3 rotate --user-name {name}` to replace its key, or choose another \
             name with --user-name"
        )
    } else {
        format!(
            "user `{name}` already exists and was not created by xplenty-s3: choose another \
             name with --user-name, or pass --reuse-user to give it a key and policy anyway \
             (rotate and teardown then still leave it alone)"
        )
    }
}

fn is_already_exists<R>(
    err: &aws_sdk_iam::error::SdkError<aws_sdk_iam::operation::create_user::CreateUserError, R>,
) -> bool {
    err.as_service_error().is_some_and(|e| e.is_entity_already_exists_exception())
}

async fn existing_user(iam: &Client, name: &str) -> Result<User> {
    let (user, _) = read_user(iam, name).await?;
    Ok(user)
}

/// Whether user `name` exists and, if so, whether this tool created it:
/// `None`, `Some(true)` or `Some(false)`. A read call only.
pub async fn find_user(iam: &Client, name: &str) -> Result<Option<bool>> {
    Ok(lookup_user(iam, name).await?.map(|(_, tagged)| tagged))
}

/// Reads user `name`, which must exist, and whether it carries this tool's tag.
async fn read_user(iam: &Client, name: &str) -> Result<(User, bool)> {
    lookup_user(iam, name).await?.ok_or_else(|| {
        Error::aws_plain(format!("reading IAM user `{name}`"), "NoSuchEntity: no such user")
            .with_hint(format!("there is no IAM user `{name}`: check --user-name"))
    })
}

/// User `name` and whether it carries this tool's tag, or `None`.
async fn lookup_user(iam: &Client, name: &str) -> Result<Option<(User, bool)>> {
    let out = match iam.get_user().user_name(name).send().await {
        Ok(out) => out,
        Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_entity_exception()) => {
            return Ok(None);
        }
        Err(err) => return Err(Error::aws(format!("reading IAM user `{name}`"), err)),
    };
    let user = out.user();
    let arn = user.map(|u| u.arn().to_owned()).unwrap_or_default();
    let tagged =
        user.is_some_and(|u| u.tags().iter().any(|t| t.key() == TAG_KEY && t.value() == TAG_VALUE));
    Ok(Some((User { name: name.to_owned(), arn, created: false }, tagged)))
}

/// A user that `rotate` and `teardown` may change: one this tool created,
/// or any user when `allow_foreign` is set.
pub async fn managed_user(iam: &Client, name: &str, allow_foreign: bool) -> Result<User> {
    let (user, tagged) = read_user(iam, name).await?;
    if tagged || allow_foreign {
        return Ok(user);
    }
    Err(Error::aws_plain(
        format!("IAM user `{name}` was not created by xplenty-s3"),
        format!("it has no {TAG_KEY}={TAG_VALUE} tag"),
    )
    .with_hint("this tool only changes users it created; for teardown, --force overrides this"))
}
