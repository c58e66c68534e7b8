//! Find each bucket's region, and stop early when a bucket does not exist.
//!
//! `HeadBucket` answers with an `x-amz-bucket-region` header even when it
//! refuses (403) or when it was sent to the wrong region (301/400), so one
//! call per bucket is enough. Nothing is created here.

use aws_sdk_s3::Client;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::ui::Ui;
use crate::validate::Warning;

const REGION_HEADER: &str = "x-amz-bucket-region";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bucket {
    pub name: String,
    pub region: String,
}

/// The region the client signs for: where a bucket is assumed to be when
/// the server does not say (S3 always does; some compatible servers not).
fn client_region(s3: &Client) -> &str {
    s3.config().region().map_or(crate::aws::FALLBACK_REGION, |r| r.as_ref())
}

/// Looks up the region of `name`, with a warning when the admin credentials
/// may not list it (the new key is then checked by the connection test).
pub async fn find_region(s3: &Client, name: &str) -> Result<(Bucket, Option<Warning>)> {
    let bucket = |region: &str| Bucket { name: name.to_owned(), region: region.to_owned() };
    let err = match s3.head_bucket().bucket(name).send().await {
        Ok(out) => {
            let region = out.bucket_region().unwrap_or_else(|| client_region(s3));
            return Ok((bucket(region), None));
        }
        Err(err) => err,
    };
    if err.as_service_error().is_some_and(|e| e.is_not_found()) {
        return Err(Error::aws(format!("bucket `{name}` does not exist"), err).with_hint(
            "check the name with `aws s3 ls`; xplenty-s3 grants access to existing buckets only",
        ));
    }
    let status = err.raw_response().map(|r| r.status().as_u16());
    let header = err.raw_response().and_then(|r| r.headers().get(REGION_HEADER));
    match (header, status) {
        (Some(region), Some(403)) => {
            let warning = Warning(format!(
                "these credentials may not access bucket `{name}` (403); \
                 the connection test will show what the key can do"
            ));
            Ok((bucket(region), Some(warning)))
        }
        (Some(region), _) => Ok((bucket(region), None)),
        // S3 itself always names the region; some compatible servers do not.
        (None, Some(403)) => {
            let region = client_region(s3);
            tracing::info!(bucket = name, region, "HeadBucket refused without a region; assuming");
            Ok((bucket(region), None))
        }
        (None, _) => Err(Error::aws(format!("finding the region of bucket `{name}`"), err)),
    }
}

/// Finds the region of every bucket, showing the warnings.
pub async fn locate_all(s3: &Client, names: &[String], ui: &Ui) -> Result<Vec<Bucket>> {
    let mut buckets = Vec::with_capacity(names.len());
    for name in names {
        let (bucket, warning) = find_region(s3, name).await?;
        if let Some(warning) = warning {
            ui.warn(warning.0);
        }
        buckets.push(bucket);
    }
    Ok(buckets)
}
