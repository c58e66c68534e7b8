//! `test`, `rotate`, `teardown`, `--dry-run`, prefixes and regions against moto.

mod common;

use common::*;

async fn setup(session: &Session, bucket: &str, user: &str, extra: &[&str]) -> Run {
    let mut args = vec!["setup", "--bucket", bucket, "--user-name", user, "--no-input"];
    args.extend_from_slice(extra);
    if !extra.contains(&"--access") {
        args.extend_from_slice(&["--access", "read-only"]);
    }
    session.run(&args)
}

#[tokio::test]
async fn test_accepts_every_console_layout_and_fails_once_the_key_is_deleted() {
    let bucket = bucket_with(REGION, &[("in.csv", "1\n")]).await;
    let user = unique("tester");
    let session = Session::new();
    setup(&session, &bucket, &user, &[]).await.assert_code(0);
    let (id, secret) = read_credentials(&session.path("credentials.csv"));

    let layouts = [
        ("three.csv", format!("User Name,Access Key Id,Secret Access Key\n{user},{id},{secret}\n")),
        (
            "five.csv",
            format!(
                "User name,Password,Access key ID,Secret access key,Console login link\r\n\
             {user},,{id},{secret},https://123456789012.signin.aws.amazon.com/console\r\n"
            ),
        ),
        ("two.csv", format!("\u{feff}Access key ID,Secret access key\r\n{id},{secret}\r\n")),
    ];
    for (name, text) in &layouts {
        std::fs::write(session.path(name), text).unwrap();
        let run = session.run(&[
            "test",
            "--credentials-file",
            name,
            "--bucket",
            &bucket,
            "--access",
            "read-only",
        ]);
        run.assert_code(0);
        assert!(run.stdout.contains("passed"), "{name}: {}", run.stdout);
        assert!(!run.stdout.contains(&secret) && !run.stderr.contains(&secret));
    }

    moto().iam().delete_access_key().user_name(&user).access_key_id(&id).send().await.unwrap();
    // An existing key that AWS does not know is not waited for: it was deleted.
    let started = std::time::Instant::now();
    let run = session.run(&["test", "--bucket", &bucket, "--output", "json"]);
    run.assert_code(4);
    assert!(started.elapsed().as_secs() < 10, "no wait for a deleted key: {:?}", started.elapsed());
    let report = run.json();
    assert_eq!(report["connection_test"]["passed"], false);
    let error = report["connection_test"]["checks"][0]["error"].as_str().unwrap().to_owned();
    assert!(error.contains("deleted or deactivated"), "{error}");
    assert!(run.stderr.contains("deleted or deactivated"), "{}", run.stderr);
}

#[tokio::test]
async fn rotate_replaces_the_key_and_keeps_the_old_one_when_the_new_one_fails() {
    let bucket = bucket_with(REGION, &[("in.csv", "1\n")]).await;
    let user = unique("rotated");
    let session = Session::new();
    setup(&session, &bucket, &user, &["--access", "read-write"]).await.assert_code(0);
    let (old_id, _) = read_credentials(&session.path("credentials.csv"));

    let run = session.run(&["rotate", "--user-name", &user, "--force", "--output", "json"]);
    run.assert_code(0);
    let (new_id, new_secret) = read_credentials(&session.path("credentials.csv"));
    assert_ne!(new_id, old_id);
    assert_eq!(run.json()["deleted_keys"], serde_json::json!([old_id]));
    assert_eq!(user_state(&user).await.unwrap().keys, vec![new_id.clone()]);
    let s3 = moto().s3_with(&new_id, &new_secret, REGION);
    s3.put_object()
        .bucket(&bucket)
        .key("after-rotate")
        .body(b"x".to_vec().into())
        .send()
        .await
        .unwrap();

    // An explicit deny makes every new key fail its test.
    deny_s3(&user).await;
    let before = std::fs::read(session.path("credentials.csv")).unwrap();
    let run = session.run(&["rotate", "--user-name", &user, "--force", "--test-timeout", "2"]);
    run.assert_code(4);
    assert_eq!(user_state(&user).await.unwrap().keys, vec![new_id], "only the old key is left");
    assert_eq!(std::fs::read(session.path("credentials.csv")).unwrap(), before, "file untouched");
    assert!(run.stderr.contains("Removed access key"), "{}", run.stderr);
}

#[tokio::test]
async fn teardown_removes_a_user_of_this_tool_and_refuses_others() {
    let bucket = bucket_with(REGION, &[]).await;
    let user = unique("doomed");
    let session = Session::new();
    setup(&session, &bucket, &user, &["--skip-test"]).await.assert_code(0);

    let run = session.run(&["teardown", "--user-name", &user]);
    run.assert_code(2);
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);
    let run = session.run(&["teardown", "--user-name", &user, "--dry-run"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("inline policy `Xplenty`") && run.stdout.contains("access key"),
        "{}",
        run.stdout
    );
    assert!(user_state(&user).await.is_some(), "a dry run deletes nothing");

    session.run(&["teardown", "--user-name", &user, "--yes"]).assert_code(0);
    assert!(user_state(&user).await.is_none(), "the user is gone");

    let foreign = unique("foreign");
    moto().iam().create_user().user_name(&foreign).send().await.unwrap();
    let run = session.run(&["teardown", "--user-name", &foreign, "--yes"]);
    run.assert_code(3);
    assert!(run.stderr.contains("not created by xplenty-s3"), "{}", run.stderr);
    assert!(user_state(&foreign).await.is_some(), "a foreign user is kept");
}

#[tokio::test]
async fn a_prefix_confines_the_key_to_its_keys() {
    // moto cannot check signatures of query values with `/` (such as a
    // prefix `team-a/` in ListObjectsV2), so this prefix has none.
    let bucket =
        bucket_with(REGION, &[("team-a-data.csv", "mine\n"), ("other.csv", "theirs\n")]).await;
    let user = unique("prefixed");
    let session = Session::new();
    let run =
        setup(&session, &bucket, &user, &["--access", "read-write", "--prefix", "team-a-"]).await;
    run.assert_code(0);
    assert!(run.stderr.contains("does not end with `/`"), "the prefix warning is shown");

    let (id, secret) = read_credentials(&session.path("credentials.csv"));
    let s3 = moto().s3_with(&id, &secret, REGION);
    s3.get_object().bucket(&bucket).key("team-a-data.csv").send().await.unwrap();
    s3.put_object()
        .bucket(&bucket)
        .key("team-a-new.csv")
        .body(b"x".to_vec().into())
        .send()
        .await
        .unwrap();
    let read = s3.get_object().bucket(&bucket).key("other.csv").send().await;
    assert_eq!(error_code(read).as_deref(), Some("AccessDenied"));
    let write = s3
        .put_object()
        .bucket(&bucket)
        .key("other-new.csv")
        .body(b"x".to_vec().into())
        .send()
        .await;
    assert_eq!(error_code(write).as_deref(), Some("AccessDenied"));
}

#[tokio::test]
async fn dry_run_shows_the_policy_and_changes_nothing() {
    let bucket = bucket_with(REGION, &[]).await;
    let user = unique("dry");
    let session = Session::new();
    let run = setup(&session, &bucket, &user, &["--dry-run"]).await;
    run.assert_code(0);
    assert!(run.stdout.contains(&format!("arn:aws:s3:::{bucket}/*")), "{}", run.stdout);
    assert!(run.stdout.contains("would be created"), "{}", run.stdout);
    assert!(user_state(&user).await.is_none());
    assert!(!session.path("credentials.csv").exists());

    // A dry run stops where the real run would: at an existing user.
    moto().iam().create_user().user_name(&user).send().await.unwrap();
    let run = setup(&session, &bucket, &user, &["--dry-run", "--force"]).await;
    run.assert_code(3);
    assert!(run.stderr.contains("setup would stop there"), "{}", run.stderr);
    assert!(run.stderr.contains("not created by xplenty-s3"), "{}", run.stderr);
    assert!(run.stdout.contains("s3:ListBucket"), "the plan is still shown");

    // With --reuse-user, a user holding two keys stops it too.
    let iam = moto().iam();
    for _ in 0..2 {
        iam.create_access_key().user_name(&user).send().await.unwrap();
    }
    let run = setup(&session, &bucket, &user, &["--dry-run", "--force", "--reuse-user"]).await;
    run.assert_code(3);
    assert!(run.stderr.contains("already holds two access keys"), "{}", run.stderr);
    assert_eq!(user_state(&user).await.unwrap().keys.len(), 2, "nothing changed");
}

#[tokio::test]
async fn a_bucket_in_another_region_is_reported_and_signed_for_its_region() {
    let bucket = bucket_with("eu-central-1", &[("x.csv", "1\n")]).await;
    let proxy = common::proxy::Proxy::start(&moto().endpoint);
    let session = Session::through(&proxy);
    let run = setup(&session, &bucket, &unique("regional"), &["--output", "json"]).await;
    run.assert_code(0);
    assert_eq!(run.json()["buckets"][0]["region"], "eu-central-1");
    for action in ["ListObjectsV2", "GetObject", "PutObject"] {
        let regions = proxy.signed_regions(action);
        assert!(
            !regions.is_empty() && regions.iter().all(|r| r == "eu-central-1"),
            "{action}: {regions:?}"
        );
    }
    assert_eq!(
        proxy.signed_regions("CreateUser"),
        vec!["us-east-1"],
        "IAM is signed for us-east-1"
    );

    // Two regions: the summary gives one Xplenty connection per region.
    let home = bucket_with(REGION, &[]).await;
    let text = Session::new();
    let run = setup(&text, &bucket, &unique("regional"), &["--bucket", &home]).await;
    run.assert_code(0);
    let form = run.stdout.split("In Xplenty").nth(1).unwrap_or_default();
    assert!(
        form.contains(&format!("S3 {bucket}\n")) && form.contains(&format!("S3 {home}\n")),
        "{form}"
    );
    let regions: Vec<&str> =
        form.lines().filter(|l| l.trim_start().starts_with("Region")).collect();
    assert_eq!(regions.len(), 2, "{form}");
    assert!(regions[0].ends_with("eu-central-1") && regions[1].ends_with(REGION), "{form}");
}

#[tokio::test]
async fn admin_credentials_come_from_a_named_profile() {
    let bucket = bucket_with(REGION, &[]).await;
    let user = unique("profiled");
    let session = Session::new();
    let moto = moto();
    std::fs::create_dir(session.path(".aws")).unwrap();
    let credentials = format!(
        "[bootstrap]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        moto.admin_key_id, moto.admin_secret
    );
    std::fs::write(session.path(".aws/credentials"), credentials).unwrap();
    let out = session
        .command(&[
            "--profile",
            "bootstrap",
            "setup",
            "--no-input",
            "--bucket",
            &bucket,
            "--access",
            "read-only",
            "--user-name",
            &user,
            "--skip-test",
        ])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(user_state(&user).await.is_some());
}

#[test]
fn completions_and_man_page_are_generated() {
    let session = Session::new();
    let run = session.run(&["completions", "bash"]);
    run.assert_code(0);
    assert!(run.stdout.contains("xplenty-s3") && run.stdout.contains("teardown"));
    let run = session.run(&["man"]);
    run.assert_code(0);
    assert!(run.stdout.contains(".TH"), "{}", &run.stdout[..200]);
    session.run(&["man", "--dir", "pages"]).assert_code(0);
    let setup_page = std::fs::read_to_string(session.path("pages/xplenty-s3-setup.1")).unwrap();
    assert!(setup_page.contains("\\-\\-bucket"), "setup's flags are in its own page");
    assert!(setup_page.contains("XPLENTY_S3_<FLAG>"), "with their environment variables");
}

#[tokio::test]
async fn rotate_and_teardown_failures_are_json_documents_too() {
    let session = Session::new();
    let missing = unique("missing");
    for command in [&["rotate", "--force"][..], &["teardown", "--yes"][..]] {
        let run = session.run(&[command, &["--user-name", &missing, "--output", "json"]].concat());
        run.assert_code(3);
        let document = run.json();
        assert_eq!(document["error"]["kind"], "aws", "{command:?}: {document}");
        assert!(document["error"]["hint"].as_str().unwrap().contains("no IAM user"), "{document}");
    }
}

#[tokio::test]
async fn test_fails_a_working_key_whose_secret_has_a_slash() {
    let bucket = bucket_with(REGION, &[]).await;
    let user = unique("slashed");
    let session = Session::new();
    setup(&session, &bucket, &user, &["--skip-test"]).await.assert_code(0);
    let iam = moto().iam();
    let (id, secret) = loop {
        for old in user_state(&user).await.unwrap().keys {
            iam.delete_access_key().user_name(&user).access_key_id(old).send().await.unwrap();
        }
        let out = iam.create_access_key().user_name(&user).send().await.unwrap();
        let key = out.access_key().unwrap();
        if key.secret_access_key().contains('/') {
            break (key.access_key_id().to_owned(), key.secret_access_key().to_owned());
        }
    };
    let file = format!("Access key ID,Secret access key\n{id},{secret}\n");
    std::fs::write(session.path("slash.csv"), file).unwrap();
    let run = session.run(&["test", "--credentials-file", "slash.csv", "--bucket", &bucket]);
    run.assert_code(4);
    assert!(
        run.stderr.contains("secret has no `/`") && run.stderr.contains("rotate"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(&secret), "the secret itself is not shown");
}
