//! `setup` end to end against moto with IAM enforcement on.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::*;
use serde_json::json;

fn seed_policy(access: &str, bucket: &str) -> serde_json::Value {
    let (bucket_actions, object_actions) = match access {
        "read-only" => (json!(["s3:ListBucket"]), json!(["s3:GetObject"])),
        _ => (
            json!(["s3:ListBucket", "s3:GetBucketAcl"]),
            json!(["s3:GetObject", "s3:GetObjectAcl", "s3:DeleteObject", "s3:PutObject"]),
        ),
    };
    json!({
        "Version": "2012-10-17",
        "Statement": [
            { "Action": bucket_actions, "Effect": "Allow", "Resource": [format!("arn:aws:s3:::{bucket}")] },
            { "Action": object_actions, "Effect": "Allow", "Resource": [format!("arn:aws:s3:::{bucket}/*")] }
        ]
    })
}

#[tokio::test]
async fn read_only_scripted_setup_leaves_a_working_read_only_key() {
    let bucket = bucket_with(REGION, &[("data/input.csv", "a,b\n1,2\n")]).await;
    let user = unique("xplenty");
    let session = Session::new();

    let run = session.run(&setup_args(&bucket, "read-only", &user, &[]));
    run.assert_code(0);

    let state = user_state(&user).await.expect("the user exists");
    assert!(state.tags.contains(&("managed-by".into(), "xplenty-s3".into())), "{:?}", state.tags);
    assert_eq!(state.keys.len(), 1, "exactly one key");
    assert_eq!(state.policies, vec!["Xplenty".to_owned()]);
    assert_eq!(inline_policy(&user, "Xplenty").await, seed_policy("read-only", &bucket));

    let file = session.path("credentials.csv");
    let bytes = std::fs::read(&file).unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.starts_with("User Name,Access Key Id,Secret Access Key\n"), "{text:?}");
    assert!(!bytes.starts_with(b"\xEF\xBB\xBF"), "no byte-order mark");
    assert!(text.ends_with('\n') && !text.contains('\r'));
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    let (id, secret) = read_credentials(&file);
    assert_eq!(state.keys, vec![id.clone()]);
    assert!(!secret.contains('/'), "the secret is slash-free");
    assert!(!run.stdout.contains(&secret) && !run.stderr.contains(&secret), "secret not printed");
    assert!(run.stdout.contains(&id), "the summary names the key id:\n{}", run.stdout);
    assert!(run.stdout.contains("Region") && run.stdout.contains(REGION), "{}", run.stdout);

    let s3 = moto().s3_with(&id, &secret, REGION);
    let listed = s3.list_objects_v2().bucket(&bucket).send().await.unwrap();
    assert_eq!(listed.contents().len(), 1, "no test object left behind");
    let object = s3.get_object().bucket(&bucket).key("data/input.csv").send().await.unwrap();
    assert_eq!(object.body.collect().await.unwrap().into_bytes().as_ref(), b"a,b\n1,2\n");
    let put = s3.put_object().bucket(&bucket).key("new").body(b"x".to_vec().into()).send().await;
    assert_eq!(error_code(put).as_deref(), Some("AccessDenied"));
}

#[tokio::test]
async fn read_write_scripted_setup_can_write_and_leaves_no_test_object() {
    let bucket = bucket_with(REGION, &[]).await;
    let user = unique("xplenty");
    let session = Session::new();

    let run =
        session.run(&setup_args(&bucket, "read-write", &user, &["--yes", "--output", "json"]));
    run.assert_code(0);
    let report = run.json();
    assert_eq!(report["user_name"], user);
    assert_eq!(report["user_created"], true);
    assert_eq!(report["access"], "read-write");
    assert_eq!(report["secret_access_key"], serde_json::Value::Null);
    assert_eq!(report["buckets"], json!([{ "name": bucket, "region": REGION }]));
    assert_eq!(report["connection_test"]["passed"], true);
    let checks: Vec<&str> = report["connection_test"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(checks.iter().any(|c| c.starts_with("write ")), "{checks:?}");
    assert!(checks.iter().any(|c| c.starts_with("confirm deleted ")), "{checks:?}");
    assert_eq!(inline_policy(&user, "Xplenty").await, seed_policy("read-write", &bucket));

    let (id, secret) = read_credentials(&session.path("credentials.csv"));
    assert_eq!(report["access_key_id"], id);
    let s3 = moto().s3_with(&id, &secret, REGION);
    s3.put_object()
        .bucket(&bucket)
        .key("out/result.csv")
        .body(b"ok".to_vec().into())
        .send()
        .await
        .unwrap();
    let read = s3.get_object().bucket(&bucket).key("out/result.csv").send().await.unwrap();
    assert_eq!(read.body.collect().await.unwrap().into_bytes().as_ref(), b"ok");
    s3.delete_object().bucket(&bucket).key("out/result.csv").send().await.unwrap();
    let left = moto().s3().list_objects_v2().bucket(&bucket).send().await.unwrap();
    assert!(
        left.contents().is_empty(),
        "the connection test object is gone: {:?}",
        left.contents()
    );
}

#[tokio::test]
async fn keys_with_a_slash_are_replaced_until_one_is_slash_free() {
    let bucket = bucket_with(REGION, &[]).await;
    let mut attempts = Vec::new();
    for _ in 0..12 {
        let user = unique("slash");
        let session = Session::new();
        let run = session.run(&setup_args(
            &bucket,
            "read-only",
            &user,
            &["--output", "json", "--skip-test"],
        ));
        run.assert_code(0);
        let (id, secret) = read_credentials(&session.path("credentials.csv"));
        assert!(!secret.contains('/') && !id.contains('/'));
        assert_eq!(user_state(&user).await.unwrap().keys, vec![id], "one key per user");
        attempts.push(run.json()["key_attempts"].as_u64().unwrap());
    }
    assert!(attempts.iter().any(|a| *a > 1), "some run rejected a key: {attempts:?}");
}

#[tokio::test]
async fn a_bucket_that_does_not_exist_stops_before_anything_is_created() {
    let missing = unique("no-such-bucket");
    let user = unique("xplenty");
    let session = Session::new();
    let run = session.run(&setup_args(&missing, "read-only", &user, &[]));
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains(&format!("bucket `{missing}` does not exist")), "{}", run.stderr);
    assert!(user_state(&user).await.is_none(), "no user was created");
    assert!(!session.path("credentials.csv").exists());
}

#[tokio::test]
async fn without_a_terminal_a_missing_bucket_is_an_error_naming_the_flag() {
    let user = unique("xplenty");
    let session = Session::new();
    let run = session.run(&["setup", "--access", "read-only", "--user-name", &user]);
    run.assert_code(2);
    assert!(run.stderr.contains("--bucket"), "{}", run.stderr);
    assert!(user_state(&user).await.is_none(), "nothing was created");
}
