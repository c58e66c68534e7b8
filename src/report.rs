//! The result of a `setup` run: one JSON document, or a summary for a person.

use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use crate::config::SetupConfig;
use crate::error::Error;
use crate::policy::Access;
use crate::rollback::Remaining;
use crate::secret::Secret;
use crate::steps::bucket_region::Bucket;
use crate::steps::connection_test::{human_millis, TestReport};
use crate::steps::create_access_key::NewKey;
use crate::steps::identity::Identity;

#[derive(Debug, Clone, Serialize)]
pub struct SetupReport {
    pub account: String,
    pub user_name: String,
    pub user_arn: Option<String>,
    pub user_created: bool,
    pub access_key_id: Option<String>,
    /// Only with `--show-secret`.
    pub secret_access_key: Option<String>,
    pub key_attempts: u32,
    pub access: Access,
    pub policy_name: String,
    pub prefix: Option<String>,
    pub buckets: Vec<Bucket>,
    pub credentials_file: Option<String>,
    pub connection_test: Option<TestReport>,
    pub rolled_back: Vec<String>,
    pub remaining: Vec<Remaining>,
    pub kept: Vec<String>,
    pub error: Option<ErrorReport>,
    #[serde(skip)]
    masked_secret: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorReport {
    pub kind: &'static str,
    pub exit_code: u8,
    pub message: String,
    pub hint: Option<String>,
}

static JSON_PRINTED: AtomicBool = AtomicBool::new(false);

/// Prints the one JSON document of a run on stdout.
pub fn print_json(document: &impl Serialize) {
    let text = serde_json::to_string_pretty(document).expect("a report serialises");
    println!("{text}");
    JSON_PRINTED.store(true, Ordering::SeqCst);
}

/// With `--output json`, a failure that printed no document yet gets one
/// holding just the error, so stdout always carries exactly one document.
pub fn print_json_error_unless_printed(err: &Error) {
    if !JSON_PRINTED.load(Ordering::SeqCst) {
        print_json(&serde_json::json!({ "error": ErrorReport::from(err) }));
    }
}

/// One aligned `label  value` line of the summary.
fn row(label: &str, value: &str) -> String {
    format!("  {label:<18} {value}\n")
}

impl From<&Error> for ErrorReport {
    fn from(err: &Error) -> Self {
        Self {
            kind: err.kind(),
            exit_code: err.exit_code(),
            message: err.to_string(),
            hint: err.hint().map(str::to_owned),
        }
    }
}

impl SetupReport {
    pub fn new(config: &SetupConfig, identity: &Identity, buckets: Vec<Bucket>) -> Self {
        Self {
            account: identity.account.clone(),
            user_name: config.user_name.clone(),
            user_arn: None,
            user_created: false,
            access_key_id: None,
            secret_access_key: None,
            key_attempts: 0,
            access: config.access,
            policy_name: config.policy_name.clone(),
            prefix: config.prefix.clone(),
            buckets,
            credentials_file: None,
            connection_test: None,
            rolled_back: Vec::new(),
            remaining: Vec::new(),
            kept: Vec::new(),
            error: None,
            masked_secret: None,
        }
    }

    pub fn record_key(&mut self, key: &NewKey, show_secret: bool) {
        self.access_key_id = Some(key.access_key_id.clone());
        self.key_attempts = key.attempts;
        self.masked_secret = Some(key.secret.masked());
        self.secret_access_key = show_secret.then(|| Secret::expose(&key.secret).to_owned());
    }

    /// The summary printed on stdout after a successful run.
    pub fn summary(&self) -> String {
        [self.headline(), self.created(), self.xplenty_form()].join("\n")
    }

    fn bucket_names(&self) -> Vec<&str> {
        self.buckets.iter().map(|b| b.name.as_str()).collect()
    }

    fn headline(&self) -> String {
        let verb = match self.access {
            Access::ReadOnly => "read",
            Access::ReadWrite => "read and write",
        };
        let scope = match &self.prefix {
            Some(prefix) => format!("keys under `{prefix}` in "),
            None => String::new(),
        };
        let buckets = self.bucket_names().join(", ");
        let Some(test) = &self.connection_test else {
            return format!(
                "Xplenty is set up to {verb} {scope}{buckets}; the key is untested (--skip-test).\n"
            );
        };
        let total = human_millis(test.checks.iter().map(|c| c.millis).sum());
        let count = test.checks.len();
        format!(
            "Xplenty can now {verb} {scope}{buckets}.\n\
             The connection test passed with the new key ({count} checks, {total}).\n"
        )
    }

    fn created(&self) -> String {
        let existing = if self.user_created { "" } else { " (existing)" };
        let user = format!("{}{existing}", self.user_arn.as_deref().unwrap_or(&self.user_name));
        let policy = format!("{} ({} policy)", self.policy_name, self.access.as_str());
        let mut out =
            String::from("Created:\n") + &row("IAM user", &user) + &row("inline policy", &policy);
        if let Some(file) = &self.credentials_file {
            out += &row("credentials file", file);
        }
        out
    }

    /// The values of Xplenty's "new Amazon S3 connection" form.
    fn xplenty_form(&self) -> String {
        let masked = self.masked_secret.clone().unwrap_or_default();
        let secret = match (&self.secret_access_key, &self.credentials_file) {
            (Some(secret), _) => secret.clone(),
            (None, Some(file)) => format!("{masked}  (in {file})"),
            (None, None) => masked,
        };
        let regions = self.regions();
        let per_region = if regions.len() > 1 { " (one connection per region)" } else { "" };
        let mut out = format!(
            "In Xplenty: Account settings > Connections > New connection > Amazon S3{per_region}:\n"
        );
        for (i, region) in regions.iter().enumerate() {
            let names: Vec<&str> = self
                .buckets
                .iter()
                .filter(|b| &b.region == region)
                .map(|b| b.name.as_str())
                .collect();
            if i > 0 {
                out.push('\n');
            }
            out += &row("Connection name", &format!("S3 {}", names.join(" ")));
            out += &row("Access key ID", self.access_key_id.as_deref().unwrap_or("-"));
            out += &row("Secret access key", &secret);
            out += &row("Region", region);
        }
        out
    }

    /// The buckets' regions, each once, in the order of the buckets.
    fn regions(&self) -> Vec<String> {
        let mut regions: Vec<String> = Vec::new();
        for bucket in &self.buckets {
            if !regions.contains(&bucket.region) {
                regions.push(bucket.region.clone());
            }
        }
        regions
    }
}
