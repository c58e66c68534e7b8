//! Runs the steps of `setup` in order and undoes them on failure.
//!
//! Every creation goes into the ledger as soon as AWS confirms it. When a
//! later step fails, or the user interrupts, the ledger is rolled back
//! newest first, unless the connection test failed and `--keep-on-failure`
//! asks to keep what was created. The
//! credentials file is only renamed into place when the run succeeds.

use crate::aws::Aws;
use crate::config::SetupConfig;
use crate::error::{Error, Result};
use crate::interrupt;
use crate::report::SetupReport;
use crate::rollback::{Created, Ledger};
use crate::steps::attach_policy;
use crate::steps::attach_policy::PolicyPlan;
use crate::steps::bucket_region::Bucket;
use crate::steps::connection_test::{self, TestPlan};
use crate::steps::create_access_key::{
    create_slash_free_key, describe_key, list_keys, two_keys_error, NewKey,
};
use crate::steps::create_user::{create_user, User};
use crate::steps::credentials_file::{self, PendingFile, StoredKey};
use crate::steps::identity::Identity;
use crate::ui::Ui;

struct Run<'a> {
    config: &'a SetupConfig,
    admin: &'a Aws,
    ui: &'a Ui,
    identity: &'a Identity,
    ledger: Ledger,
    pending: Option<PendingFile>,
    report: SetupReport,
}

/// Runs steps 4 to 8 for buckets already located, and settles the outcome:
/// commit on success, roll back (or keep) on failure.
pub async fn run(
    config: &SetupConfig,
    admin: &Aws,
    ui: &Ui,
    identity: &Identity,
    buckets: Vec<Bucket>,
) -> (SetupReport, Option<Error>) {
    let mut run = Run {
        config,
        admin,
        ui,
        identity,
        ledger: Ledger::default(),
        pending: None,
        report: SetupReport::new(config, identity, buckets),
    };
    // A Ctrl-C that arrived during the last step still undoes the run.
    let outcome = run.steps().await.and_then(|()| interrupt::check()).and_then(|()| run.commit());
    match outcome {
        Ok(()) => (run.report, None),
        Err(err) => {
            run.settle_failure(&err).await;
            (run.report, Some(err))
        }
    }
}

impl Run<'_> {
    async fn steps(&mut self) -> Result<()> {
        let iam = self.admin.iam();
        let config = self.config;
        let document = config.grant(&self.identity.partition).to_compact_json();

        let user = self.user(&iam).await?;
        let policy = attach_policy::prepare(&iam, &user, &config.policy_name, &document).await?;
        if policy.replaces_existing() {
            self.ui.warn(format!(
                "replacing inline policy `{}` of user `{}` (it is put back if this run fails)",
                config.policy_name, user.name
            ));
        }
        let key = self.key(&iam, &user).await?;
        self.policy(&iam, &user, policy).await?;

        self.write_file(&user.name, &key)?;
        if config.skip_test {
            self.ui.warn("connection test skipped (--skip-test): the key is untested");
            return Ok(());
        }
        self.test(&key, &user.arn).await
    }

    async fn user(&mut self, iam: &aws_sdk_iam::Client) -> Result<User> {
        let user = create_user(iam, &self.config.user_name, self.config.reuse_user).await?;
        if user.created {
            self.ledger.record(Created::User(user.name.clone()));
            self.ui.done(format!("Created IAM user {}", user.name));
        } else {
            self.ui.done(format!("Using existing IAM user {}", user.name));
            let keys = list_keys(iam, &user.name).await?;
            if keys.len() >= 2 {
                return Err(two_keys_error(&user.name, &keys));
            }
            for key in keys {
                self.ui.warn(format!(
                    "user `{}` keeps its key {}: it is not changed by this run; delete it \
                     once Xplenty uses the new key",
                    user.name,
                    describe_key(&key)
                ));
            }
        }
        self.report.user_arn = Some(user.arn.clone());
        self.report.user_created = user.created;
        interrupt::check()?;
        Ok(user)
    }

    async fn key(&mut self, iam: &aws_sdk_iam::Client, user: &User) -> Result<NewKey> {
        let attempts = self.config.max_key_attempts;
        let key = create_slash_free_key(iam, &user.name, attempts, &mut self.ledger).await?;
        self.ui.done(key.created_message());
        self.report.record_key(&key, self.config.show_secret);
        interrupt::check()?;
        Ok(key)
    }

    async fn policy(
        &mut self,
        iam: &aws_sdk_iam::Client,
        user: &User,
        plan: PolicyPlan,
    ) -> Result<()> {
        attach_policy::attach_policy(iam, user, plan, &mut self.ledger).await?;
        let access = self.config.access.as_str();
        self.ui.done(format!("Attached {access} policy {}", self.config.policy_name));
        interrupt::check()
    }

    fn write_file(&mut self, user: &str, key: &NewKey) -> Result<()> {
        let stored = StoredKey::for_user(user, key);
        let pending = credentials_file::write_pending(
            &self.config.credentials_file,
            &stored,
            self.config.force,
        )?;
        self.pending = Some(pending);
        Ok(())
    }

    async fn test(&mut self, key: &NewKey, user_arn: &str) -> Result<()> {
        let plan = TestPlan {
            buckets: &self.report.buckets,
            access: Some(self.config.access),
            prefix: self.config.prefix.as_deref(),
            timeout: self.config.test_timeout,
            expected_arn: Some(user_arn),
            new_key: true,
        };
        let with_key = self.admin.with_key(&key.access_key_id, &key.secret);
        let report = connection_test::run(&with_key, &plan, self.ui).await?;
        let verdict = report.verdict();
        self.report.connection_test = Some(report);
        verdict
    }

    fn commit(&mut self) -> Result<()> {
        if let Some(pending) = self.pending.take() {
            let path = pending.commit()?;
            self.ui.done(format!("Saved {} (mode 0600)", path.display()));
            self.report.credentials_file = Some(credentials_file::shown(&path));
        }
        Ok(())
    }

    /// Rolls back, or with `--keep-on-failure` keeps what was created and
    /// saves the credentials file so the kept key is usable.
    async fn settle_failure(&mut self, err: &Error) {
        let keep = self.config.keep_on_failure && matches!(err, Error::ConnectionTest(_));
        if keep {
            if let Err(commit_err) = self.commit() {
                self.ui.warn(format!("the credentials file was not saved: {commit_err}"));
            }
            self.report.kept = self.ledger.items().iter().map(Created::describe).collect();
            for item in &self.report.kept {
                self.ui.warn(format!("kept {item} (--keep-on-failure)"));
            }
            if self.report.user_created {
                self.ui.say(format!(
                    "remove it all with: xplenty-s3 teardown --user-name {} --yes",
                    self.config.user_name
                ));
            }
            return;
        }
        self.pending = None;
        let ledger = std::mem::take(&mut self.ledger);
        let rollback = ledger.undo(&self.admin.iam(), self.ui).await;
        self.report.rolled_back = rollback.removed;
        self.report.remaining = rollback.remaining;
    }
}
