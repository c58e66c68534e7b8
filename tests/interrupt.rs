//! Ctrl-C in the middle of a run removes what the run created, and only that.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use common::*;

#[tokio::test]
async fn sigint_during_the_connection_test_rolls_back_and_exits_130() {
    let bucket = bucket_with(REGION, &[]).await;
    let user = unique("interrupted");
    let iam = moto().iam();
    // A user that existed before, with a policy denying S3: the connection
    // test keeps retrying the refused listing, which leaves time for Ctrl-C.
    iam.create_user().user_name(&user).send().await.unwrap();
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#;
    iam.put_user_policy()
        .user_name(&user)
        .policy_name("deny")
        .policy_document(deny)
        .send()
        .await
        .unwrap();

    let session = Session::new();
    let mut child = session
        .command(&[
            "setup",
            "--no-input",
            "--bucket",
            &bucket,
            "--access",
            "read-only",
            "--user-name",
            &user,
            "--reuse-user",
            "--test-timeout",
            "60",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("key active") {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "ended early:\n{seen}"
        );
        seen.push_str(&line);
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    stderr.read_to_string(&mut seen).unwrap();
    let code = child.wait().unwrap().code();

    assert_eq!(code, Some(130), "{seen}");
    assert!(seen.contains("Removed access key"), "{seen}");
    let state = user_state(&user).await.expect("the reused user is kept");
    assert!(
        state.keys.is_empty(),
        "the new key is gone: {:?}",
        state.keys
    );
    assert_eq!(
        state.policies,
        vec!["deny".to_owned()],
        "the earlier policy is kept, ours removed"
    );
    assert!(
        !session.path("credentials.csv").exists(),
        "no credentials file"
    );
}
