//! Attach the inline policy that grants the bucket access.
//!
//! On a user this run created there is nothing else to consider. On a
//! reused user, a policy of the same name is replaced (and put back on
//! rollback), and IAM's 2,048-character cap on all of the user's inline
//! policies is checked before the run creates a key.

use aws_sdk_iam::Client;
use percent_encoding::percent_decode_str;

use crate::error::{Error, Result};
use crate::policy;
use crate::rollback::{Created, Ledger};
use crate::steps::create_user::User;

/// The policy about to be attached, checked against the user's other
/// inline policies before the run creates a key.
#[derive(Debug, Clone)]
pub struct PolicyPlan {
    name: String,
    document: String,
    /// The document it replaces on a reused user, to put back on rollback.
    previous: Option<String>,
}

impl PolicyPlan {
    /// Whether the policy replaces one of the same name on a reused user.
    pub fn replaces_existing(&self) -> bool {
        self.previous.is_some()
    }
}

/// Checks that `document` fits beside the user's other inline policies
/// (read calls only, and none for a user this run created).
pub async fn prepare(iam: &Client, user: &User, name: &str, document: &str) -> Result<PolicyPlan> {
    let (previous, others) =
        if user.created { (None, 0) } else { existing_policies(iam, &user.name, name).await? };
    policy::check_size(document, others)?;
    Ok(PolicyPlan { name: name.to_owned(), document: document.to_owned(), previous })
}

/// Attaches the prepared policy to `user`.
pub async fn attach_policy(
    iam: &Client,
    user: &User,
    plan: PolicyPlan,
    ledger: &mut Ledger,
) -> Result<()> {
    put_policy(iam, &user.name, &plan.name, &plan.document).await?;
    ledger.record(Created::InlinePolicy {
        user: user.name.clone(),
        name: plan.name,
        previous: plan.previous,
    });
    Ok(())
}

pub async fn put_policy(iam: &Client, user: &str, name: &str, document: &str) -> Result<()> {
    iam.put_user_policy()
        .user_name(user)
        .policy_name(name)
        .policy_document(document)
        .send()
        .await
        .map_err(|err| {
            Error::aws(format!("attaching inline policy `{name}` to user `{user}`"), err)
        })?;
    Ok(())
}

/// The current document of policy `name` (if any) and the counted size of
/// the user's other inline policies.
async fn existing_policies(
    iam: &Client,
    user: &str,
    name: &str,
) -> Result<(Option<String>, usize)> {
    let mut previous = None;
    let mut others = 0;
    for policy_name in &policy_names(iam, user).await? {
        let document = policy_document(iam, user, policy_name).await?;
        if policy_name == name {
            previous = Some(document);
        } else {
            others += policy::counted_size(&document);
        }
    }
    Ok((previous, others))
}

/// The names of the user's inline policies.
pub async fn policy_names(iam: &Client, user: &str) -> Result<Vec<String>> {
    let listed =
        iam.list_user_policies().user_name(user).send().await.map_err(|err| {
            Error::aws(format!("listing the inline policies of user `{user}`"), err)
        })?;
    Ok(listed.policy_names().to_vec())
}

/// The document of one inline policy. IAM returns it URL-encoded.
pub async fn policy_document(iam: &Client, user: &str, name: &str) -> Result<String> {
    let out =
        iam.get_user_policy().user_name(user).policy_name(name).send().await.map_err(|err| {
            Error::aws(format!("reading inline policy `{name}` of user `{user}`"), err)
        })?;
    Ok(percent_decode_str(out.policy_document()).decode_utf8_lossy().into_owned())
}
