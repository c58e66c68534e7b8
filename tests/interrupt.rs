//! Ctrl-C in the middle of a run removes what the run created, and only that.

mod common;

use common::*;

#[tokio::test]
async fn sigint_during_the_connection_test_rolls_back_and_exits_130() {
    let bucket = bucket_with(REGION, &[]).await;
    let user = unique("interrupted");
    // A user that existed before, with a policy denying S3: the connection
    // test keeps retrying the refused listing, which leaves time for Ctrl-C.
    moto().iam().create_user().user_name(&user).send().await.unwrap();
    deny_s3(&user).await;

    let session = Session::new();
    let mut run = Watched::start(session.command(&setup_args(
        &bucket,
        "read-only",
        &user,
        &["--reuse-user", "--test-timeout", "60"],
    )));
    run.wait_for("key active");
    let (code, stderr) = run.interrupt();

    assert_eq!(code, Some(130), "{stderr}");
    assert!(stderr.contains("Removed access key"), "{stderr}");
    let state = user_state(&user).await.expect("the reused user is kept");
    assert!(state.keys.is_empty(), "the new key is gone: {:?}", state.keys);
    assert_eq!(state.policies, vec!["deny".to_owned()], "the earlier policy is kept, ours removed");
    assert!(!session.path("credentials.csv").exists(), "no credentials file");
}
