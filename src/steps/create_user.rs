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
pub async fn create_user(iam: &Client, name: &str, reuse: bool) -> Result<User> {
    let tag = Tag::builder()
        .key(TAG_KEY)
        .value(TAG_VALUE)
        .build()
        .map_err(anyhow::Error::from)?;
    match iam.create_user().user_name(name).tags(tag).send().await {
        Ok(out) => {
            let arn = out.user().map(|u| u.arn().to_owned()).unwrap_or_default();
            Ok(User {
                name: name.to_owned(),
                arn,
                created: true,
            })
        }
        Err(err) if is_already_exists(&err) && reuse => existing_user(iam, name).await,
        Err(err) if is_already_exists(&err) => {
            Err(
                Error::aws(format!("creating IAM user `{name}`"), err).with_hint(format!(
                    "user `{name}` already exists: pass --reuse-user to give it a new key and \
                 policy, run `xplenty-s3 rotate --user-name {name}` to replace its key, or \
                 choose another name with --user-name"
                )),
            )
        }
        Err(err) => Err(Error::aws(format!("creating IAM user `{name}`"), err)),
    }
}

fn is_already_exists<R>(
    err: &aws_sdk_iam::error::SdkError<aws_sdk_iam::operation::create_user::CreateUserError, R>,
) -> bool {
    err.as_service_error()
        .is_some_and(|e| e.is_entity_already_exists_exception())
}

async fn existing_user(iam: &Client, name: &str) -> Result<User> {
    let out = iam
        .get_user()
        .user_name(name)
        .send()
        .await
        .map_err(|err| Error::aws(format!("reading IAM user `{name}`"), err))?;
    let arn = out.user().map(|u| u.arn().to_owned()).unwrap_or_default();
    Ok(User {
        name: name.to_owned(),
        arn,
        created: false,
    })
}
