//! The inline policy documents that grant Xplenty access to buckets.
//!
//! These are the documents of Xplenty's own instructions, with two
//! statements kept apart on purpose: `s3:ListBucket` applies to the bucket
//! ARN, object actions to `BUCKET/*`. Putting `s3:ListBucket` on `BUCKET/*`
//! is the classic mistake that makes listing fail.

use serde::Serialize;

use crate::error::{Error, Result};

/// IAM's cap on all inline policies of one user together, whitespace not counted.
pub const USER_INLINE_POLICY_LIMIT: usize = 2048;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    ReadOnly,
    ReadWrite,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadOnly => "read-only",
            Self::ReadWrite => "read-write",
        }
    }

    fn bucket_actions(self) -> &'static [&'static str] {
        match self {
            Self::ReadOnly => &["s3:ListBucket"],
            Self::ReadWrite => &["s3:ListBucket", "s3:GetBucketAcl"],
        }
    }

    fn object_actions(self) -> &'static [&'static str] {
        match self {
            Self::ReadOnly => &["s3:GetObject"],
            Self::ReadWrite => {
                &["s3:GetObject", "s3:GetObjectAcl", "s3:DeleteObject", "s3:PutObject"]
            }
        }
    }
}

/// What a policy grants: the buckets, the access, an optional key prefix and
/// the ARN partition of the account (`aws`, `aws-cn`, `aws-us-gov`).
#[derive(Debug, Clone)]
pub struct Grant<'a> {
    pub buckets: &'a [String],
    pub access: Access,
    pub prefix: Option<&'a str>,
    pub partition: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Document {
    version: &'static str,
    statement: [Statement; 2],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Statement {
    action: &'static [&'static str],
    effect: &'static str,
    resource: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    condition: Option<serde_json::Value>,
}

impl Grant<'_> {
    fn document(&self) -> Document {
        let arn = |bucket: &String| format!("arn:{}:s3:::{bucket}", self.partition);
        let objects = format!("{}*", self.prefix.unwrap_or_default());
        let condition = self.prefix.map(
            |prefix| serde_json::json!({ "StringLike": { "s3:prefix": [format!("{prefix}*")] } }),
        );
        Document {
            version: "2012-10-17",
            statement: [
                Statement {
                    action: self.access.bucket_actions(),
                    effect: "Allow",
                    resource: self.buckets.iter().map(arn).collect(),
                    condition,
                },
                Statement {
                    action: self.access.object_actions(),
                    effect: "Allow",
                    resource: self
                        .buckets
                        .iter()
                        .map(|b| format!("{}/{objects}", arn(b)))
                        .collect(),
                    condition: None,
                },
            ],
        }
    }

    /// The document as it is shown: indented for a person.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.document()).expect("a policy document serialises")
    }

    /// The document as it is attached: without whitespace, which IAM does
    /// not count anyway and which some IAM-compatible servers mis-sign.
    pub fn to_compact_json(&self) -> String {
        serde_json::to_string(&self.document()).expect("a policy document serialises")
    }
}

/// What an attached policy grants, read back from its document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadGrant {
    pub buckets: Vec<String>,
    pub access: Access,
    pub prefix: Option<String>,
}

/// Reads the buckets, access and prefix out of a document this tool wrote
/// (or one shaped like Xplenty's). `None` when it grants no bucket listing.
pub fn read_grant(document: &str) -> Option<ReadGrant> {
    let value: serde_json::Value = serde_json::from_str(document).ok()?;
    let statements = match &value["Statement"] {
        serde_json::Value::Array(list) => list.clone(),
        single => vec![single.clone()],
    };
    let strings = |v: &serde_json::Value| -> Vec<String> {
        match v {
            serde_json::Value::String(s) => vec![s.clone()],
            serde_json::Value::Array(list) => {
                list.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect()
            }
            _ => Vec::new(),
        }
    };
    let mut grant = ReadGrant { buckets: Vec::new(), access: Access::ReadOnly, prefix: None };
    for statement in &statements {
        let actions = strings(&statement["Action"]);
        if actions.iter().any(|a| a == "s3:PutObject") {
            grant.access = Access::ReadWrite;
        }
        if !actions.iter().any(|a| a == "s3:ListBucket") {
            continue;
        }
        for arn in strings(&statement["Resource"]) {
            if let Some((_, bucket)) = arn.split_once(":s3:::") {
                grant.buckets.push(bucket.to_owned());
            }
        }
        let prefixes = strings(&statement["Condition"]["StringLike"]["s3:prefix"]);
        grant.prefix = prefixes.first().map(|p| p.trim_end_matches('*').to_owned());
    }
    (!grant.buckets.is_empty()).then_some(grant)
}

/// The size IAM counts for a policy document: every character but whitespace.
pub fn counted_size(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
}

/// Checks that the new document and the user's other inline policies stay
/// within IAM's cap, before anything is sent.
pub fn check_size(document: &str, other_policies: usize) -> Result<()> {
    let total = counted_size(document) + other_policies;
    if total <= USER_INLINE_POLICY_LIMIT {
        return Ok(());
    }
    Err(Error::input_with_hint(
        format!(
            "the inline policies of this user would take {total} characters, {} over IAM's \
             limit of {USER_INLINE_POLICY_LIMIT} (whitespace not counted)",
            total - USER_INLINE_POLICY_LIMIT
        ),
        "grant fewer buckets per user, use shorter bucket names or prefix, or attach a \
         managed policy by hand (those may hold 6,144 characters)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn parsed(grant: &Grant) -> Value {
        serde_json::from_str(&grant.to_json()).unwrap()
    }

    fn grant<'a>(buckets: &'a [String], access: Access) -> Grant<'a> {
        Grant { buckets, access, prefix: None, partition: "aws" }
    }

    #[test]
    fn read_only_is_the_documented_policy() {
        let buckets = vec![String::from("your-bucket")];
        let expected = json!({
            "Version": "2012-10-17",
            "Statement": [
                { "Action": ["s3:ListBucket"], "Effect": "Allow",
                  "Resource": ["arn:aws:s3:::your-bucket"] },
                { "Action": ["s3:GetObject"], "Effect": "Allow",
                  "Resource": ["arn:aws:s3:::your-bucket/*"] }
            ]
        });
        assert_eq!(parsed(&grant(&buckets, Access::ReadOnly)), expected);
    }

    #[test]
    fn read_write_is_the_documented_policy() {
        let buckets = vec![String::from("your-bucket")];
        let expected = json!({
            "Version": "2012-10-17",
            "Statement": [
                { "Action": ["s3:ListBucket", "s3:GetBucketAcl"], "Effect": "Allow",
                  "Resource": ["arn:aws:s3:::your-bucket"] },
                { "Action": ["s3:GetObject", "s3:GetObjectAcl", "s3:DeleteObject", "s3:PutObject"],
                  "Effect": "Allow", "Resource": ["arn:aws:s3:::your-bucket/*"] }
            ]
        });
        assert_eq!(parsed(&grant(&buckets, Access::ReadWrite)), expected);
    }

    #[test]
    fn several_buckets_a_prefix_and_another_partition() {
        let buckets = vec![String::from("a-bucket"), String::from("b-bucket")];
        let grant = Grant {
            buckets: &buckets,
            access: Access::ReadOnly,
            prefix: Some("exports/"),
            partition: "aws-cn",
        };
        let expected = json!({
            "Version": "2012-10-17",
            "Statement": [
                { "Action": ["s3:ListBucket"], "Effect": "Allow",
                  "Resource": ["arn:aws-cn:s3:::a-bucket", "arn:aws-cn:s3:::b-bucket"],
                  "Condition": { "StringLike": { "s3:prefix": ["exports/*"] } } },
                { "Action": ["s3:GetObject"], "Effect": "Allow",
                  "Resource": ["arn:aws-cn:s3:::a-bucket/exports/*",
                               "arn:aws-cn:s3:::b-bucket/exports/*"] }
            ]
        });
        assert_eq!(parsed(&grant), expected);
    }

    #[test]
    fn the_document_starts_with_its_version() {
        let buckets = vec![String::from("b-1")];
        assert!(grant(&buckets, Access::ReadOnly).to_json().starts_with("{\n  \"Version\""));
    }

    #[test]
    fn a_written_grant_reads_back() {
        let buckets = vec![String::from("a-bucket"), String::from("b-bucket")];
        for (access, prefix) in [(Access::ReadOnly, None), (Access::ReadWrite, Some("team-a/"))] {
            let grant = Grant { buckets: &buckets, access, prefix, partition: "aws" };
            let read = read_grant(&grant.to_compact_json()).unwrap();
            assert_eq!(read.buckets, buckets);
            assert_eq!(read.access, access);
            assert_eq!(read.prefix.as_deref(), prefix);
        }
        assert_eq!(read_grant(r#"{"Statement":[{"Action":"s3:GetObject","Resource":"*"}]}"#), None);
    }

    #[test]
    fn size_cap_counts_without_whitespace() {
        assert_eq!(counted_size("{ \"a\" :\n 1 }"), 7);
        let many: Vec<String> = (0..30).map(|i| format!("bucket-number-{i:02}")).collect();
        let document = grant(&many, Access::ReadWrite).to_json();
        let err = check_size(&document, 0).unwrap_err().to_string();
        assert!(err.contains("over IAM's limit of 2048"), "{err}");

        let few = &many[..2];
        let document = grant(few, Access::ReadWrite).to_json();
        assert!(check_size(&document, 0).is_ok());
        let over = USER_INLINE_POLICY_LIMIT - counted_size(&document) + 1;
        assert!(check_size(&document, over).unwrap_err().to_string().contains("1 over"));
    }
}
