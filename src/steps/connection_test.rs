//! Prove, with the new key alone, that it can do what Xplenty will do.
//!
//! This is Xplenty's "test connection" button and more: the key is active,
//! every bucket lists, a listed object reads, and with read-write access a
//! test object is written, read back, deleted and confirmed gone. With
//! read-only access a write must be refused. Each check is timed and, on
//! failure, explained in plain words.
//!
//! New IAM keys and policies are eventually consistent: for several seconds
//! (reports range from 5 s to 15 s) AWS may answer `InvalidAccessKeyId` or
//! `AccessDenied` for a key that is fine. Those answers are retried with a
//! backoff, bounded by the test timeout.

use std::time::{Duration, Instant};

use aws_sdk_s3::primitives::ByteStream;
use serde::Serialize;

use crate::aws::Aws;
use crate::error::{Answer, Result};
use crate::interrupt;
use crate::policy::Access;
use crate::steps::bucket_region::Bucket;
use crate::ui::Ui;

/// Name of the object written by the read-write check, before its random part.
pub const TEST_OBJECT_PREFIX: &str = "xplenty-connection-test-";

/// How long `AccessDenied` is retried on the first use of a bucket, for a
/// policy that was attached a moment ago (never longer than the test timeout).
const POLICY_PROPAGATION: Duration = Duration::from_secs(15);

/// What to test.
#[derive(Debug, Clone)]
pub struct TestPlan<'a> {
    pub buckets: &'a [Bucket],
    /// The access to prove; `None` checks listing and reading only.
    pub access: Option<Access>,
    pub prefix: Option<&'a str>,
    /// How long to wait for the key to become active.
    pub timeout: Duration,
    /// The ARN the key must belong to, when known.
    pub expected_arn: Option<&'a str>,
    /// Whether the key was created moments ago, so that its policy may
    /// still be on its way.
    pub new_key: bool,
}

impl TestPlan<'_> {
    /// How long `AccessDenied` is retried: for a new key the policy may not
    /// have arrived everywhere yet; for an existing key the answer is final.
    fn propagation(&self) -> Duration {
        if self.new_key {
            POLICY_PROPAGATION.min(self.timeout)
        } else {
            Duration::ZERO
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub millis: u64,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TestReport {
    pub passed: bool,
    pub checks: Vec<Check>,
}

impl TestReport {
    /// Adds a failed check found outside the AWS calls.
    pub fn add_failure(&mut self, name: &str, error: String) {
        self.checks.push(Check { name: name.to_owned(), ok: false, millis: 0, error: Some(error) });
        self.passed = false;
    }

    /// `Err(ConnectionTest)` naming the first failed check, if any.
    pub fn verdict(&self) -> Result<()> {
        match self.first_failure() {
            Some(check) => Err(crate::error::Error::ConnectionTest(format!(
                "{}: {}",
                check.name,
                check.error.as_deref().unwrap_or_default()
            ))),
            None => Ok(()),
        }
    }

    pub fn first_failure(&self) -> Option<&Check> {
        self.checks.iter().find(|c| !c.ok)
    }
}

/// What a refused call was doing, which decides the likely cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Key,
    Listing,
    Reading,
    Writing,
}

/// The answers the checks tell apart.
impl Answer {
    fn is_inactive_key(&self) -> bool {
        self.code_is(&["InvalidAccessKeyId", "InvalidClientTokenId"])
    }

    fn is_access_denied(&self) -> bool {
        self.code_is(&["AccessDenied"]) || (self.code.is_none() && self.status == Some(403))
    }

    fn is_not_found(&self) -> bool {
        self.code_is(&["NoSuchKey", "NotFound"]) || self.status == Some(404)
    }

    /// The likely cause, in plain words, followed by what AWS said.
    fn explain(&self, scope: Scope) -> String {
        let code = self.code.as_deref().unwrap_or_default();
        let cause = match code {
            "InvalidAccessKeyId" | "InvalidClientTokenId" => {
                "AWS did not recognise the key: it is not active yet, or it was deleted"
            }
            "SignatureDoesNotMatch" => {
                "the secret does not match the key id: it was mangled on the way"
            }
            "PermanentRedirect"
            | "AuthorizationHeaderMalformed"
            | "IllegalLocationConstraintException" => {
                "wrong region: the bucket lives in another region than the one signed for"
            }
            "RequestTimeTooSkewed" => "this machine's clock is more than 5 minutes off",
            "NoSuchBucket" => "the bucket does not exist (any more)",
            _ if self.is_access_denied() && scope == Scope::Writing => {
                "writing is refused: the key's policy does not allow s3:PutObject here (a \
                 read-only key?), or a bucket policy or service control policy denies it"
            }
            _ if self.is_access_denied() && scope == Scope::Reading => {
                "listing works but objects are refused: objects encrypted with SSE-KMS \
                 without kms:Decrypt for this user, objects owned by another account, or a \
                 requester-pays bucket"
            }
            _ if self.is_access_denied() => {
                "access denied: the policy is missing or not in effect yet, or a bucket \
                 policy or service control policy denies it explicitly"
            }
            _ => "",
        };
        match cause {
            "" => self.detail.clone(),
            cause => format!("{cause} ({})", self.detail),
        }
    }
}

/// Retry delays: 100 ms, then 200 ms, then every 300 ms, never past a
/// deadline. The cap is low on purpose: a refused poll is one cheap request,
/// while every moment between the key becoming active and the next poll is
/// time the user waits for nothing.
const MAX_POLL_INTERVAL: Duration = Duration::from_millis(300);

struct Backoff {
    delay: Duration,
    deadline: Instant,
}

impl Backoff {
    fn new(bound: Duration) -> Self {
        Self { delay: Duration::from_millis(100), deadline: Instant::now() + bound }
    }

    /// Waits before the next try; `false` once the deadline has passed.
    async fn wait(&mut self) -> Result<bool> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(false);
        }
        interrupt::sleep(self.delay.min(left)).await?;
        self.delay = (self.delay * 2).min(MAX_POLL_INTERVAL);
        Ok(true)
    }
}

/// Runs the checks in order; a failed check ends the test. Only an
/// interruption is an `Err`: everything else is in the report.
pub async fn run(key: &Aws, plan: &TestPlan<'_>, ui: &Ui) -> Result<TestReport> {
    let mut checks = Vec::new();
    let passed = run_checks(key, plan, ui, &mut checks).await?;
    Ok(TestReport { passed, checks })
}

async fn run_checks(
    key: &Aws,
    plan: &TestPlan<'_>,
    ui: &Ui,
    checks: &mut Vec<Check>,
) -> Result<bool> {
    let started = Instant::now();
    let outcome = key_active(key, plan, ui).await?;
    if !record(checks, ui, "key active", started, outcome) {
        return Ok(false);
    }
    for bucket in plan.buckets {
        interrupt::check()?;
        let s3 = key.s3(&bucket.region);
        let started = Instant::now();
        let listed = list(&s3, bucket, plan).await?;
        let first = listed.as_ref().ok().cloned().flatten();
        if !record(checks, ui, &format!("list {}", bucket.name), started, listed.map(drop)) {
            return Ok(false);
        }
        if let Some((object, size)) = first {
            interrupt::check()?;
            let started = Instant::now();
            let outcome =
                read_first_byte(&s3, &bucket.name, &object, size, plan.propagation()).await?;
            if !record(checks, ui, &format!("read {}/{object}", bucket.name), started, outcome) {
                return Ok(false);
            }
        }
        interrupt::check()?;
        let ok = match plan.access {
            Some(Access::ReadWrite) => write_cycle(&s3, bucket, plan, ui, checks).await?,
            Some(Access::ReadOnly) => write_refused(&s3, bucket, plan.prefix, ui, checks).await,
            None => true,
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Adds a check to the report and shows it; returns whether it passed.
fn record(
    checks: &mut Vec<Check>,
    ui: &Ui,
    name: &str,
    started: Instant,
    outcome: std::result::Result<(), String>,
) -> bool {
    let millis = started.elapsed().as_millis() as u64;
    let ok = outcome.is_ok();
    match &outcome {
        Ok(()) => ui.done(format!("{name} ({})", human_millis(millis))),
        Err(error) => ui.failed(format!("{name} ({}): {error}", human_millis(millis))),
    }
    checks.push(Check { name: name.to_owned(), ok, millis, error: outcome.err() });
    ok
}

pub fn human_millis(millis: u64) -> String {
    if millis < 1000 {
        format!("{millis} ms")
    } else {
        format!("{:.1} s", millis as f64 / 1000.0)
    }
}

/// Polls `sts:GetCallerIdentity` with the new key until AWS knows it.
async fn key_active(
    key: &Aws,
    plan: &TestPlan<'_>,
    ui: &Ui,
) -> Result<std::result::Result<(), String>> {
    let spinner = ui.spinner(if plan.new_key {
        "waiting for AWS to activate the new key"
    } else {
        "checking the key"
    });
    let outcome = poll_identity(key, plan).await;
    spinner.finish_and_clear();
    Ok(outcome?.and_then(|arn| match plan.expected_arn {
        Some(expected) if !expected.is_empty() && arn != expected => {
            Err(format!("the key signs in as {arn}, not as {expected}"))
        }
        _ => Ok(()),
    }))
}

/// Calls `sts:GetCallerIdentity` until AWS knows the key: for a new key up
/// to the timeout, for an existing key once (an unknown existing key was
/// deleted, deactivated or mistyped; waiting will not help).
async fn poll_identity(
    key: &Aws,
    plan: &TestPlan<'_>,
) -> Result<std::result::Result<String, String>> {
    let sts = key.sts();
    let mut backoff = Backoff::new(if plan.new_key { plan.timeout } else { Duration::ZERO });
    let mut tries = 0u32;
    loop {
        tries += 1;
        let err = match sts.get_caller_identity().send().await {
            Ok(out) => return Ok(Ok(out.arn().unwrap_or_default().to_owned())),
            Err(err) => err,
        };
        let answer = Answer::of(&err);
        tracing::debug!(tries, error = %answer.detail, "key not usable yet");
        if !answer.is_inactive_key() {
            return Ok(Err(answer.explain(Scope::Key)));
        }
        if !backoff.wait().await? {
            return Ok(Err(match plan.new_key {
                true => format!(
                    "AWS still did not know the new key after {} s; raise --test-timeout if \
                     AWS is slow to propagate new keys ({})",
                    plan.timeout.as_secs(),
                    answer.detail
                ),
                false => format!(
                    "AWS does not know this key: it was deleted or deactivated, or the key id \
                     is mistyped ({})",
                    answer.detail
                ),
            }));
        }
    }
}

/// Repeats a call while it is refused in a way a new policy or key still
/// on its way explains, for as long as the plan allows (not at all for an
/// existing key); then explains the last refusal for `scope`.
async fn while_propagating<T, F, Fut>(
    propagation: Duration,
    scope: Scope,
    mut call: F,
) -> Result<std::result::Result<T, String>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = std::result::Result<T, Answer>>,
{
    let mut backoff = Backoff::new(propagation);
    loop {
        let answer = match call().await {
            Ok(value) => return Ok(Ok(value)),
            Err(answer) => answer,
        };
        tracing::debug!(error = %answer.detail, "refused");
        let propagating = answer.is_access_denied() || answer.is_inactive_key();
        if !propagating || !backoff.wait().await? {
            return Ok(Err(answer.explain(scope)));
        }
    }
}

/// Lists at most one object of the bucket (under the prefix). Returns that
/// object's name and size.
async fn list(
    s3: &aws_sdk_s3::Client,
    bucket: &Bucket,
    plan: &TestPlan<'_>,
) -> Result<std::result::Result<Option<(String, i64)>, String>> {
    while_propagating(plan.propagation(), Scope::Listing, || async {
        let out = s3
            .list_objects_v2()
            .bucket(&bucket.name)
            .max_keys(1)
            .set_prefix(plan.prefix.map(str::to_owned))
            .send()
            .await
            .map_err(|err| Answer::of(&err))?;
        let first = out.contents().first();
        Ok(first.map(|o| (o.key().unwrap_or_default().to_owned(), o.size().unwrap_or_default())))
    })
    .await
}

/// Reads the first byte of an object (the whole object when it is empty,
/// since S3 refuses a byte range of an empty object).
async fn read_first_byte(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    object: &str,
    size: i64,
    propagation: Duration,
) -> Result<std::result::Result<(), String>> {
    let range = (size > 0).then(|| String::from("bytes=0-0"));
    let out = while_propagating(propagation, Scope::Reading, || async {
        let request = s3.get_object().bucket(bucket).key(object).set_range(range.clone());
        request.send().await.map_err(|err| Answer::of(&err))
    })
    .await?;
    Ok(match out {
        Ok(out) => {
            out.body.collect().await.map(drop).map_err(|err| format!("reading failed: {err}"))
        }
        Err(why) => Err(why),
    })
}

fn test_object_key(prefix: Option<&str>) -> String {
    let random: String = std::iter::repeat_with(fastrand::alphanumeric).take(12).collect();
    format!("{}{TEST_OBJECT_PREFIX}{}", prefix.unwrap_or_default(), random.to_lowercase())
}

/// Writes a test object, reads it back, deletes it and confirms it is gone.
/// The object is deleted even when reading it back fails.
async fn write_cycle(
    s3: &aws_sdk_s3::Client,
    bucket: &Bucket,
    plan: &TestPlan<'_>,
    ui: &Ui,
    checks: &mut Vec<Check>,
) -> Result<bool> {
    let object = test_object_key(plan.prefix);
    let body = format!("written by xplenty-s3 to test Xplenty's access to {}\n", bucket.name);
    let name = |what: &str| format!("{what} {}/{object}", bucket.name);

    let started = Instant::now();
    let put = put_with_retry(s3, &bucket.name, &object, &body, plan.propagation()).await?;
    if !record(checks, ui, &name("write"), started, put) {
        return Ok(false);
    }

    let started = Instant::now();
    let read_back = read_back(s3, &bucket.name, &object, &body).await;
    let read_ok = record(checks, ui, &name("read back"), started, read_back);

    let started = Instant::now();
    let deleted =
        s3.delete_object().bucket(&bucket.name).key(&object).send().await.map(drop).map_err(
            |err| {
                format!(
                    "{} The test object is left behind.",
                    Answer::of(&err).explain(Scope::Writing)
                )
            },
        );
    if !record(checks, ui, &name("delete"), started, deleted) || !read_ok {
        return Ok(false);
    }

    let started = Instant::now();
    let gone = match s3.head_object().bucket(&bucket.name).key(&object).send().await {
        Err(err) if Answer::of(&err).is_not_found() => Ok(()),
        Err(err) => Err(Answer::of(&err).explain(Scope::Reading)),
        Ok(_) => Err(String::from("the object still exists after it was deleted")),
    };
    Ok(record(checks, ui, &name("confirm deleted"), started, gone))
}

/// `PutObject`; listing may already work while the object statement of a
/// new policy has not arrived everywhere.
async fn put_with_retry(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    object: &str,
    body: &str,
    propagation: Duration,
) -> Result<std::result::Result<(), String>> {
    while_propagating(propagation, Scope::Writing, || async {
        let body = ByteStream::from(body.as_bytes().to_vec());
        let sent = s3.put_object().bucket(bucket).key(object).body(body).send().await;
        sent.map(drop).map_err(|err| Answer::of(&err))
    })
    .await
}

async fn read_back(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    object: &str,
    expected: &str,
) -> std::result::Result<(), String> {
    let out = s3
        .get_object()
        .bucket(bucket)
        .key(object)
        .send()
        .await
        .map_err(|err| Answer::of(&err).explain(Scope::Reading))?;
    let bytes = out.body.collect().await.map_err(|err| format!("reading it failed: {err}"))?;
    if bytes.into_bytes() == expected.as_bytes() {
        Ok(())
    } else {
        Err(String::from("the object read back differs from what was written"))
    }
}

/// With read-only access, a write must be refused. A write that succeeds
/// means something else (a bucket policy, a group) grants more than asked.
async fn write_refused(
    s3: &aws_sdk_s3::Client,
    bucket: &Bucket,
    prefix: Option<&str>,
    ui: &Ui,
    checks: &mut Vec<Check>,
) -> bool {
    let object = test_object_key(prefix);
    let started = Instant::now();
    let sent = s3
        .put_object()
        .bucket(&bucket.name)
        .key(&object)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await;
    let outcome = match sent {
        Err(err) if Answer::of(&err).is_access_denied() => Ok(()),
        Err(err) => {
            Err(format!("expected AccessDenied, got: {}", Answer::of(&err).explain(Scope::Writing)))
        }
        Ok(_) => {
            let cleanup = s3.delete_object().bucket(&bucket.name).key(&object).send().await;
            let left = if cleanup.is_ok() { "" } else { " (the test object is left behind)" };
            Err(format!(
                "the read-only key could write {}/{object}{left}: a bucket policy or another \
                 grant gives it more than read access",
                bucket.name
            ))
        }
    };
    record(checks, ui, &format!("write refused on {}", bucket.name), started, outcome)
}
