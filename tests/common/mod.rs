//! Test harness: one moto server per test binary, with IAM enforcement on,
//! and helpers to run the built binary against it and inspect IAM and S3.
//!
//! moto is started with `INITIAL_NO_AUTH_ACTION_COUNT=3`: the first three
//! requests create an admin user, its `Allow * on *` inline policy and its
//! key; every request after that is signed and authorised, so the policies
//! the tool attaches are really evaluated.

#![allow(dead_code)]

pub mod proxy;

use std::io::{BufRead, BufReader, Read};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};

pub const BIN: &str = env!("CARGO_BIN_EXE_xplenty-s3");
pub const REGION: &str = "us-east-1";

/// A running moto server and the admin key created in it.
pub struct Moto {
    pub endpoint: String,
    pub admin_key_id: String,
    pub admin_secret: String,
}

/// The moto server of this test binary, started on first use.
pub fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(|| std::thread::spawn(start_moto).join().expect("moto starts"))
}

fn moto_program() -> PathBuf {
    if let Some(path) = std::env::var_os("XPLENTY_S3_TEST_MOTO") {
        return path.into();
    }
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/moto_server");
    assert!(
        local.exists(),
        "moto is not installed: run scripts/test (or scripts/install-test-tools) first"
    );
    local
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start_moto() -> Moto {
    let port = free_port();
    // The shell stops moto when this test process ends, however it ends.
    let watcher = r#""$0" -H 127.0.0.1 -p "$1" >/dev/null 2>&1 & m=$!
        while kill -0 "$2" 2>/dev/null && kill -0 $m 2>/dev/null; do sleep 0.2; done
        kill $m 2>/dev/null"#;
    Command::new("sh")
        .args(["-c", watcher])
        .arg(moto_program())
        .arg(port.to_string())
        .arg(std::process::id().to_string())
        .env("INITIAL_NO_AUTH_ACTION_COUNT", "3")
        .stdin(Stdio::null())
        .spawn()
        .expect("moto_server starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto did not start listening on port {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let endpoint = format!("http://127.0.0.1:{port}");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (admin_key_id, admin_secret) = runtime.block_on(create_admin(&endpoint));
    Moto { endpoint, admin_key_id, admin_secret }
}

/// The three unauthenticated requests moto allows: admin user, policy, key.
async fn create_admin(endpoint: &str) -> (String, String) {
    let iam = aws_sdk_iam::Client::from_conf(iam_config(endpoint, "bootstrap", "bootstrap"));
    iam.create_user().user_name("admin").send().await.unwrap();
    let allow_all =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    iam.put_user_policy()
        .user_name("admin")
        .policy_name("all")
        .policy_document(allow_all)
        .send()
        .await
        .unwrap();
    let out = iam.create_access_key().user_name("admin").send().await.unwrap();
    let key = out.access_key().unwrap();
    (key.access_key_id().to_owned(), key.secret_access_key().to_owned())
}

fn iam_config(endpoint: &str, id: &str, secret: &str) -> aws_sdk_iam::Config {
    aws_sdk_iam::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(id, secret, None, None, "test"))
        .build()
}

impl Moto {
    pub fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::from_conf(iam_config(
            &self.endpoint,
            &self.admin_key_id,
            &self.admin_secret,
        ))
    }

    pub fn s3(&self) -> aws_sdk_s3::Client {
        self.s3_with(&self.admin_key_id, &self.admin_secret, REGION)
    }

    /// An S3 client signing with any key, as Xplenty would.
    pub fn s3_with(&self, id: &str, secret: &str, region: &str) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .endpoint_url(&self.endpoint)
            .force_path_style(true)
            .credentials_provider(Credentials::new(id, secret, None, None, "test"))
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }
}

/// `setup --no-input --bucket BUCKET --access ACCESS --user-name USER`, then `extra`.
pub fn setup_args<'a>(
    bucket: &'a str,
    access: &'a str,
    user: &'a str,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut args =
        vec!["setup", "--no-input", "--bucket", bucket, "--access", access, "--user-name", user];
    args.extend_from_slice(extra);
    args
}

/// A name no other test uses: `base-` and random lowercase letters.
pub fn unique(base: &str) -> String {
    let random: String = std::iter::repeat_with(fastrand::lowercase).take(8).collect();
    format!("{base}-{random}")
}

/// Creates a bucket in `region` holding `objects` (key, body).
pub async fn bucket_with(region: &str, objects: &[(&str, &str)]) -> String {
    let moto = moto();
    let name = unique("bucket");
    let s3 = moto.s3_with(&moto.admin_key_id, &moto.admin_secret, region);
    let mut create = s3.create_bucket().bucket(&name);
    if region != "us-east-1" {
        let location = aws_sdk_s3::types::BucketLocationConstraint::from(region);
        let config = aws_sdk_s3::types::CreateBucketConfiguration::builder()
            .location_constraint(location)
            .build();
        create = create.create_bucket_configuration(config);
    }
    create.send().await.unwrap();
    for (key, body) in objects {
        s3.put_object()
            .bucket(&name)
            .key(*key)
            .body(body.as_bytes().to_vec().into())
            .send()
            .await
            .unwrap();
    }
    name
}

/// A working folder and the environment of one user of the tool.
pub struct Session {
    pub dir: tempfile::TempDir,
    pub endpoint: String,
}

/// What a run of the binary left: exit code and both streams.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Session {
    /// A session whose requests go through `proxy` instead of straight to moto.
    pub fn through(proxy: &proxy::Proxy) -> Self {
        Self { dir: tempfile::tempdir().unwrap(), endpoint: proxy.endpoint.clone() }
    }

    pub fn new() -> Self {
        Self { dir: tempfile::tempdir().unwrap(), endpoint: moto().endpoint.clone() }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The binary with admin credentials, moto as endpoint, and nothing from the developer's own AWS set-up.
    pub fn command(&self, args: &[&str]) -> Command {
        let moto = moto();
        let mut command = Command::new(BIN);
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ACCESS_KEY_ID", &moto.admin_key_id)
            .env("AWS_SECRET_ACCESS_KEY", &moto.admin_secret)
            .env("AWS_ENDPOINT_URL", &self.endpoint);
        command
    }

    pub fn run(&self, args: &[&str]) -> Run {
        finish(self.command(args))
    }
}

/// Runs a prepared command to its end, without a terminal.
pub fn finish(mut command: Command) -> Run {
    let out = command.stdin(Stdio::null()).output().expect("the binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A running command whose stderr is read as it comes, to act mid-run.
pub struct Watched {
    child: Child,
    stderr: BufReader<ChildStderr>,
    pub seen: String,
}

impl Watched {
    pub fn start(mut command: Command) -> Self {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let stderr = BufReader::new(child.stderr.take().unwrap());
        Self { child, stderr, seen: String::new() }
    }

    /// Reads stderr until it shows `needle`.
    pub fn wait_for(&mut self, needle: &str) {
        while !self.seen.contains(needle) {
            let mut line = String::new();
            let read = self.stderr.read_line(&mut line).unwrap();
            assert!(read > 0, "ended before {needle:?}:\n{}", self.seen);
            self.seen.push_str(&line);
        }
    }

    /// Sends SIGINT, as Ctrl-C does, and returns the exit code and all of stderr.
    pub fn interrupt(mut self) -> (Option<i32>, String) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
        self.stderr.read_to_string(&mut self.seen).unwrap();
        (self.child.wait().unwrap().code(), self.seen)
    }
}

/// Gives `user` an inline policy `deny` that refuses every S3 action, so
/// any key of it fails the connection test.
pub async fn deny_s3(user: &str) {
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#;
    let iam = moto().iam();
    iam.put_user_policy()
        .user_name(user)
        .policy_name("deny")
        .policy_document(deny)
        .send()
        .await
        .unwrap();
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{self:?}"))
    }

    #[track_caller]
    pub fn assert_code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code, expected,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// The state IAM holds for a user, for assertions.
pub struct UserState {
    pub tags: Vec<(String, String)>,
    pub keys: Vec<String>,
    pub policies: Vec<String>,
}

/// `None` when the user does not exist.
pub async fn user_state(name: &str) -> Option<UserState> {
    let iam = moto().iam();
    let user = match iam.get_user().user_name(name).send().await {
        Ok(out) => out.user.unwrap(),
        Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_entity_exception()) => {
            return None
        }
        Err(err) => panic!("GetUser {name}: {err:?}"),
    };
    let tags = user.tags().iter().map(|t| (t.key().to_owned(), t.value().to_owned())).collect();
    let keys = iam.list_access_keys().user_name(name).send().await.unwrap();
    let keys = keys
        .access_key_metadata()
        .iter()
        .filter_map(|k| k.access_key_id().map(str::to_owned))
        .collect();
    let policies = iam.list_user_policies().user_name(name).send().await.unwrap();
    Some(UserState { tags, keys, policies: policies.policy_names().to_vec() })
}

/// An inline policy document of a user, parsed.
pub async fn inline_policy(user: &str, name: &str) -> serde_json::Value {
    let out =
        moto().iam().get_user_policy().user_name(user).policy_name(name).send().await.unwrap();
    let text = percent_encoding::percent_decode_str(out.policy_document()).decode_utf8().unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The (access key id, secret) pair of a credentials.csv written by setup.
pub fn read_credentials(path: &Path) -> (String, String) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let record = reader.records().next().unwrap().unwrap();
    (record[1].to_owned(), record[2].to_owned())
}

/// The S3 error code of a failed call, e.g. `AccessDenied`.
pub fn error_code<E, R>(
    result: Result<impl Sized, aws_sdk_s3::error::SdkError<E, R>>,
) -> Option<String>
where
    E: aws_sdk_s3::error::ProvideErrorMetadata,
{
    use aws_sdk_s3::error::ProvideErrorMetadata;
    result.err().and_then(|e| e.code().map(str::to_owned))
}
