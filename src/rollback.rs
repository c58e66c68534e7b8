//! A ledger of IAM resources and their removal, newest first.
//!
//! `setup` and `rotate` record only what their run created, so a rollback
//! cannot touch anything that existed before; a policy the run replaced on
//! a reused user is put back as it was. `teardown` fills a ledger with what
//! a user holds, to remove it the same way.

use aws_sdk_iam::Client;
use serde::Serialize;

use crate::error::Error;
use crate::steps::attach_policy::policy_names;
use crate::steps::create_access_key::{delete_key, list_keys};
use crate::ui::Ui;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    User(String),
    AccessKey { user: String, id: String },
    InlinePolicy { user: String, name: String, previous: Option<String> },
}

impl Created {
    pub fn describe(&self) -> String {
        match self {
            Self::User(name) => format!("IAM user `{name}`"),
            Self::AccessKey { user, id } => format!("access key {id} of user `{user}`"),
            Self::InlinePolicy { user, name, previous: None } => {
                format!("inline policy `{name}` of user `{user}`")
            }
            Self::InlinePolicy { user, name, previous: Some(_) } => {
                format!("the new document of inline policy `{name}` of user `{user}`")
            }
        }
    }

    /// What undoing it did, as a sentence: removed, or put back as it was.
    fn undone(&self) -> String {
        match self {
            Self::InlinePolicy { user, name, previous: Some(_) } => {
                format!("Restored the previous document of inline policy `{name}` of user `{user}`")
            }
            other => format!("Removed {}", other.describe()),
        }
    }

    fn undo_hint(&self) -> String {
        match self {
            Self::User(name) => format!("xplenty-s3 teardown --user-name {name}"),
            Self::AccessKey { user, id } => {
                format!("aws iam delete-access-key --user-name {user} --access-key-id {id}")
            }
            Self::InlinePolicy { user, name, previous: None } => {
                format!("aws iam delete-user-policy --user-name {user} --policy-name {name}")
            }
            Self::InlinePolicy { user, name, previous: Some(document) } => format!(
                "aws iam put-user-policy --user-name {user} --policy-name {name} \
                 --policy-document '{}'",
                document.split_whitespace().collect::<String>()
            ),
        }
    }
}

#[derive(Debug, Default)]
pub struct Ledger {
    items: Vec<Created>,
}

/// What a rollback removed and what it could not.
#[derive(Debug, Default, Clone, Serialize)]
pub struct RollbackReport {
    pub removed: Vec<String>,
    pub remaining: Vec<Remaining>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Remaining {
    pub resource: String,
    pub error: String,
    pub remove_with: String,
}

impl RollbackReport {
    /// Shows what was removed and, with the command to finish the job, what was not.
    pub fn show(&self, ui: &Ui) {
        for removed in &self.removed {
            ui.done(removed);
        }
        for left in &self.remaining {
            ui.failed(format!(
                "Could not remove {}: {}\n  remove it with: {}",
                left.resource, left.error, left.remove_with
            ));
        }
    }
}

impl Ledger {
    pub fn record(&mut self, item: Created) {
        self.items.push(item);
    }

    pub fn forget(&mut self, item: &Created) {
        self.items.retain(|i| i != item);
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn items(&self) -> &[Created] {
        &self.items
    }

    /// Removes what a failed run created, saying so as it goes.
    pub async fn undo(self, iam: &Client, ui: &Ui) -> RollbackReport {
        if self.is_empty() {
            return RollbackReport::default();
        }
        ui.say("Removing what this run created…");
        let rollback = self.roll_back(iam).await;
        rollback.show(ui);
        rollback
    }

    /// Removes everything recorded, newest first. Keeps going past a failed
    /// removal so that as little as possible is left, and reports the rest.
    pub async fn roll_back(self, iam: &Client) -> RollbackReport {
        let mut report = RollbackReport::default();
        for item in self.items.into_iter().rev() {
            match undo(iam, &item).await {
                Ok(()) => report.removed.push(item.undone()),
                Err(err) => report.remaining.push(Remaining {
                    resource: item.describe(),
                    error: err.to_string(),
                    remove_with: item.undo_hint(),
                }),
            }
        }
        report
    }
}

async fn undo(iam: &Client, item: &Created) -> Result<(), Error> {
    match item {
        Created::AccessKey { user, id } => delete_key(iam, user, id).await,
        Created::InlinePolicy { user, name, previous: None } => {
            delete_policy(iam, user, name).await
        }
        Created::InlinePolicy { user, name, previous: Some(document) } => {
            crate::steps::attach_policy::put_policy(iam, user, name, document).await
        }
        Created::User(name) => delete_created_user(iam, name).await,
    }
}

async fn delete_policy(iam: &Client, user: &str, name: &str) -> Result<(), Error> {
    iam.delete_user_policy().user_name(user).policy_name(name).send().await.map_err(|err| {
        Error::aws(format!("deleting inline policy `{name}` of user `{user}`"), err)
    })?;
    Ok(())
}

/// Deletes a user along with whatever it still holds. For a user a run
/// created, the keys and policies the ledger knew of are gone by now; any
/// other can only come from a request whose answer was lost (a retried
/// `CreateAccessKey` or `PutUserPolicy`), so it is that run's too.
async fn delete_created_user(iam: &Client, name: &str) -> Result<(), Error> {
    for key in list_keys(iam, name).await? {
        if let Some(id) = key.access_key_id() {
            delete_key(iam, name, id).await?;
        }
    }
    for policy in policy_names(iam, name).await? {
        delete_policy(iam, name, &policy).await?;
    }
    iam.delete_user()
        .user_name(name)
        .send()
        .await
        .map_err(|err| Error::aws(format!("deleting IAM user `{name}`"), err))?;
    Ok(())
}
