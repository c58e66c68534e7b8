//! Runs broken on purpose, through the fault-injecting proxy: a run either
//! completes with a tested key or leaves IAM and the file system as it found
//! them, and no secret leaks on the way.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::proxy::{FaultKind, Proxy};
use common::*;

const OLD_FILE: &str = "User Name,Access Key Id,Secret Access Key\nold,AKIAOLD,old-secret\n";

/// A read-write setup that may replace credentials.csv and reports JSON.
fn read_write_json<'a>(bucket: &'a str, user: &'a str) -> Vec<&'a str> {
    setup_args(bucket, "read-write", user, &["--force", "--output", "json"])
}

/// Files in the session folder other than credentials.csv (temporary files).
fn stray_files(session: &Session) -> Vec<String> {
    std::fs::read_dir(session.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "credentials.csv")
        .collect()
}

#[tokio::test]
async fn a_persistent_failure_at_any_creating_call_leaves_nothing_behind() {
    let bucket = bucket_with(REGION, &[("in.csv", "1\n")]).await;
    let cases = [
        ("CreateUser", 3),
        ("CreateAccessKey", 3),
        ("PutUserPolicy", 3),
        ("PutObject", 4),
        ("DeleteObject", 4),
    ];
    for (action, code) in cases {
        let proxy = Proxy::start(&moto().endpoint);
        proxy.fail_always(action, 1, FaultKind::Status(500));
        let session = Session::through(&proxy);
        std::fs::write(session.path("credentials.csv"), OLD_FILE).unwrap();
        let user = unique("broken");

        let run = session.run(&read_write_json(&bucket, &user));
        run.assert_code(code);
        assert!(user_state(&user).await.is_none(), "{action}: the user is gone");
        assert_eq!(
            std::fs::read_to_string(session.path("credentials.csv")).unwrap(),
            OLD_FILE,
            "{action}"
        );
        assert!(stray_files(&session).is_empty(), "{action}: {:?}", stray_files(&session));
        let report = run.json();
        assert!(report["error"]["message"].as_str().unwrap().len() > 10, "{action}: {report}");
        if action != "CreateUser" {
            let removed = report["rolled_back"].to_string();
            assert!(removed.contains(&format!("IAM user `{user}`")), "{action}: {removed}");
            assert!(run.stderr.contains("Removed IAM user"), "{action}: {}", run.stderr);
        }
    }
    // The one object the failed DeleteObject could not remove is named, not hidden.
    let left = moto().s3().list_objects_v2().bucket(&bucket).send().await.unwrap();
    assert!(left.contents().len() <= 2, "{:?}", left.contents());
}

#[tokio::test]
async fn one_transient_failure_on_any_call_is_retried() {
    let bucket = bucket_with(REGION, &[("in.csv", "1\n")]).await;
    let actions = [
        "GetCallerIdentity",
        "HeadBucket",
        "CreateUser",
        "CreateAccessKey",
        "PutUserPolicy",
        "ListObjectsV2",
        "GetObject",
        "PutObject",
        "DeleteObject",
        "HeadObject",
    ];
    let kinds =
        [FaultKind::Status(500), FaultKind::Status(503), FaultKind::Throttle, FaultKind::Drop];
    for (i, action) in actions.iter().enumerate() {
        let kind = kinds[i % kinds.len()];
        let proxy = Proxy::start(&moto().endpoint);
        proxy.fail_once(action, 1, kind);
        let session = Session::through(&proxy);
        let user = unique("flaky");
        let run = session.run(&read_write_json(&bucket, &user));
        run.assert_code(0);
        let calls = proxy.calls().iter().filter(|c| c == action).count();
        assert!(calls >= 2, "{action} ({kind:?}) was retried: {:?}", proxy.calls());
        assert_eq!(user_state(&user).await.unwrap().keys.len(), 1, "{action}");
    }
}

#[tokio::test]
async fn a_key_inactive_for_5_seconds_is_waited_for_and_the_pending_file_is_private() {
    let bucket = bucket_with(REGION, &[("in.csv", "1\n")]).await;
    let proxy = Proxy::start(&moto().endpoint);
    proxy.keys_inactive_for(Duration::from_secs(5));
    let session = Session::through(&proxy);
    let user = unique("slow");
    let mut child = session
        .command(&setup_args(&bucket, "read-only", &user, &["--output", "json"]))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut temp_modes = Vec::new();
    while child.try_wait().unwrap().is_none() && started.elapsed() < Duration::from_secs(60) {
        for name in stray_files(&session) {
            if let Ok(meta) = std::fs::metadata(session.path(&name)) {
                temp_modes.push((name, meta.permissions().mode() & 0o777));
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["connection_test"]["checks"][0]["name"], "key active");
    let overshoots = proxy.activation_overshoots();
    assert_eq!(overshoots.len(), 1, "the one key used: {overshoots:?}");
    assert!(proxy.refused_as_inactive() > 3, "the key was refused while inactive");
    eprintln!("the key was first used {:?} after it became active", overshoots[0]);
    assert!(overshoots[0] < Duration::from_secs(1), "polled soon enough: {:?}", overshoots[0]);

    assert!(!temp_modes.is_empty(), "the pending credentials file was seen during the test");
    for (name, mode) in temp_modes {
        assert!(name.starts_with(".credentials-"), "{name}");
        assert_eq!(mode, 0o600, "{name} is private while it is written");
    }
    assert_eq!(
        std::fs::metadata(session.path("credentials.csv")).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[tokio::test]
async fn a_failing_rollback_says_exactly_what_remains() {
    let bucket = bucket_with(REGION, &[]).await;
    let proxy = Proxy::start(&moto().endpoint);
    proxy.fail_always("PutUserPolicy", 1, FaultKind::Status(500));
    proxy.fail_always("DeleteUser", 1, FaultKind::Status(500));
    let session = Session::through(&proxy);
    let user = unique("stuck");
    let run = session.run(&read_write_json(&bucket, &user));
    run.assert_code(3);
    assert!(run.stderr.contains(&format!("Could not remove IAM user `{user}`")), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("xplenty-s3 teardown --user-name {user}")),
        "{}",
        run.stderr
    );
    let report = run.json();
    assert!(report["remaining"][0]["resource"].as_str().unwrap().contains(&user), "{report}");
    assert!(
        report["rolled_back"].to_string().contains("access key"),
        "the key was removed: {report}"
    );
    let state = user_state(&user).await.expect("the user really remains, as reported");
    assert!(state.keys.is_empty());
}

#[tokio::test]
async fn no_secret_aws_returned_reaches_stdout_or_stderr_at_trace_level() {
    let bucket = bucket_with(REGION, &[("in.csv", "1\n")]).await;
    let proxy = Proxy::start(&moto().endpoint);
    let session = Session::through(&proxy);
    let mut output = String::new();
    for _ in 0..4 {
        let user = unique("hygiene");
        let out = session
            .command(&setup_args(&bucket, "read-write", &user, &["-vvv", "--force"]))
            .env("RUST_LOG", "trace")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        output.push_str(&String::from_utf8_lossy(&out.stdout));
        output.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    let secrets = proxy.secrets();
    assert!(secrets.len() >= 4, "{} secrets", secrets.len());
    eprintln!(
        "{} secrets checked, {} of them rejected for a `/`",
        secrets.len(),
        secrets.iter().filter(|s| s.contains('/')).count()
    );
    for secret in secrets {
        assert!(!output.contains(&secret), "a secret reached the output");
    }
    assert!(!output.contains(&moto().admin_secret), "nor did the admin secret");
}

#[tokio::test]
async fn sigint_while_a_key_is_being_created_leaves_nothing() {
    let bucket = bucket_with(REGION, &[]).await;
    let proxy = Proxy::start(&moto().endpoint);
    proxy.fail_always("CreateAccessKey", 1, FaultKind::Delay(Duration::from_secs(2)));
    let session = Session::through(&proxy);
    let user = unique("ctrl-c");
    let mut run = Watched::start(session.command(&setup_args(&bucket, "read-only", &user, &[])));
    run.wait_for("Created IAM user");
    // The key request is now held by the proxy; Ctrl-C arrives while it is in flight.
    std::thread::sleep(Duration::from_millis(300));
    let (code, seen) = run.interrupt();
    assert_eq!(code, Some(130), "{seen}");
    assert!(
        user_state(&user).await.is_none(),
        "the user and the key created meanwhile are gone:\n{seen}"
    );
    assert!(!session.path("credentials.csv").exists());
}

#[tokio::test]
async fn keep_on_failure_keeps_the_work_and_says_how_to_remove_it() {
    let bucket = bucket_with(REGION, &[]).await;
    let proxy = Proxy::start(&moto().endpoint);
    proxy.fail_always("PutObject", 1, FaultKind::Status(500));
    let session = Session::through(&proxy);
    let user = unique("kept");
    let mut args = read_write_json(&bucket, &user);
    args.push("--keep-on-failure");
    let run = session.run(&args);
    run.assert_code(4);
    let state = user_state(&user).await.expect("the user is kept");
    assert_eq!(state.keys.len(), 1);
    assert_eq!(state.policies, vec!["Xplenty".to_owned()]);
    let (id, _) = read_credentials(&session.path("credentials.csv"));
    assert_eq!(state.keys, vec![id], "the kept key is saved, so it can be used or removed");
    assert!(
        run.stderr.contains(&format!("xplenty-s3 teardown --user-name {user}")),
        "{}",
        run.stderr
    );
    assert_eq!(run.json()["kept"].as_array().unwrap().len(), 3, "{}", run.stdout);
}

#[tokio::test]
async fn sigint_during_a_passing_connection_test_still_rolls_back() {
    let bucket = bucket_with(REGION, &[]).await;
    let proxy = Proxy::start(&moto().endpoint);
    proxy.fail_always("ListObjectsV2", 1, FaultKind::Delay(Duration::from_secs(2)));
    let session = Session::through(&proxy);
    let user = unique("late-ctrl-c");
    let mut run = Watched::start(session.command(&setup_args(&bucket, "read-only", &user, &[])));
    run.wait_for("key active");
    let (code, seen) = run.interrupt();
    assert_eq!(code, Some(130), "{seen}");
    assert!(seen.contains("Removed IAM user"), "{seen}");
    assert!(user_state(&user).await.is_none());
    assert!(!session.path("credentials.csv").exists());
}

#[tokio::test]
async fn sigint_while_waiting_for_the_new_key_ends_at_once_and_rolls_back() {
    let bucket = bucket_with(REGION, &[]).await;
    let proxy = Proxy::start(&moto().endpoint);
    proxy.keys_inactive_for(Duration::from_secs(60));
    let session = Session::through(&proxy);
    let user = unique("impatient");
    let mut run = Watched::start(session.command(&setup_args(&bucket, "read-only", &user, &[])));
    run.wait_for("Attached");
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    let (code, seen) = run.interrupt();
    assert_eq!(code, Some(130), "{seen}");
    assert!(started.elapsed() < Duration::from_secs(5), "ended promptly: {:?}", started.elapsed());
    assert!(user_state(&user).await.is_none(), "{seen}");
}
