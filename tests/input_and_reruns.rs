//! Bad input is refused before any AWS call; re-runs explain the choices.

mod common;

use common::*;

/// Runs setup against a port where nothing listens: a run that got past
/// validation would fail with exit 3 (connection refused), not 2.
fn offline(session: &Session, args: &[&str]) -> Run {
    let mut command = session.command(args);
    command.env("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
    finish(command)
}

#[test]
fn invalid_inputs_exit_2_naming_the_rule_without_calling_aws() {
    let session = Session::new();
    std::fs::write(session.path("existing.csv"), "keep me").unwrap();
    let long_user = "u".repeat(65);
    let long_policy = "p".repeat(129);
    let long_bucket = "b".repeat(64);
    let bucket_cases: Vec<(&str, &str)> = vec![
        ("my_bucket", "contains `_`"),
        ("my-bucket-", "ends with `-`"),
        ("ab", "3 to 63 characters"),
        (&long_bucket, "3 to 63 characters"),
        ("MyBucket", "contains `M`"),
        ("my bucket", "contains ` `"),
        (".bucket", "start and end with a letter or digit"),
        ("-bucket", "start and end with a letter or digit"),
        ("bucket.", "start and end with a letter or digit"),
        ("my..bucket", "contains `..`"),
        ("192.168.5.4", "IPv4 address"),
        ("xn--bucket", "starts with `xn--`"),
        ("sthree-bucket", "starts with `sthree-`"),
        ("amzn-s3-demo-bucket", "starts with `amzn-s3-demo-`"),
        ("bucket-s3alias", "ends with `-s3alias`"),
        ("bucket--ol-s3", "ends with `--ol-s3`"),
        ("bucket.mrap", "ends with `.mrap`"),
        ("bucket--x-s3", "ends with `--x-s3`"),
        ("bucket--table-s3", "ends with `--table-s3`"),
    ];
    // `--bucket=NAME`, so that a name starting with `-` is not read as a flag.
    let bucket_args: Vec<(String, &str)> = bucket_cases
        .into_iter()
        .map(|(bucket, rule)| (format!("--bucket={bucket}"), rule))
        .collect();
    let mut cases: Vec<(Vec<&str>, &str)> =
        bucket_args.iter().map(|(arg, rule)| (vec![arg.as_str()], *rule)).collect();
    cases.extend([
        (vec!["--bucket", "ok-bucket", "--user-name", ""], "1 to 64 characters"),
        (vec!["--bucket", "ok-bucket", "--user-name", &long_user], "1 to 64 characters"),
        (vec!["--bucket", "ok-bucket", "--user-name", "x/y"], "contains `/`"),
        (vec!["--bucket", "ok-bucket", "--user-name", "a b"], "contains ` `"),
        (vec!["--bucket", "ok-bucket", "--user-name", "naïve"], "contains `ï`"),
        (vec!["--bucket", "ok-bucket", "--policy-name", ""], "1 to 128 characters"),
        (vec!["--bucket", "ok-bucket", "--policy-name", &long_policy], "1 to 128 characters"),
        (vec!["--bucket", "ok-bucket", "--policy-name", "a:b"], "contains `:`"),
        (vec!["--bucket", "ok-bucket", "--policy-name", "p*"], "contains `*`"),
        (vec!["--bucket", "ok-bucket", "--prefix", ""], "is empty"),
        (vec!["--bucket", "ok-bucket", "--prefix", "/exports/"], "starts with `/`"),
        (vec!["--bucket", "ok-bucket", "--prefix", "a*/"], "wildcard"),
        (vec!["--bucket", "ok-bucket", "--prefix", "a?/"], "wildcard"),
        (vec!["--bucket", "ok-bucket", "--prefix", "${aws:username}/"], "policy variable"),
        (vec!["--bucket", "ok-bucket", "--credentials-file", "."], "is a folder"),
        (vec!["--bucket", "ok-bucket", "--credentials-file", "missing/c.csv"], "does not exist"),
        (vec!["--bucket", "ok-bucket", "--credentials-file", "new-folder/"], "is a folder"),
        (
            vec!["--bucket", "ok-bucket", "--credentials-file", "/proc/c.csv"],
            "does not take new files",
        ),
        (vec!["--bucket", "ok-bucket", "--credentials-file", "existing.csv"], "already exists"),
        (vec!["--bucket", "ok-bucket", "--skip-test", "--keep-on-failure"], "cannot be used with"),
        (vec!["--bucket", "ok-bucket", "--dry-run", "--keep-on-failure"], "cannot be used with"),
        (vec!["--bucket", "ok-bucket", "--dry-run", "--show-secret"], "cannot be used with"),
        (vec!["--bucket", "ok-bucket", "--max-key-attempts", "0"], "--max-key-attempts"),
        (vec!["--bucket", "ok-bucket", "--test-timeout", "0"], "--test-timeout"),
        (vec!["--bucket", "ok-bucket", "--output", "xml"], "--output"),
        (vec!["--bucket", "ok-bucket", "--no-such-flag"], "--no-such-flag"),
    ]);
    assert!(cases.len() >= 40, "{} cases", cases.len());
    for (args, rule) in cases {
        let mut full = vec!["setup", "--no-input", "--access", "read-only"];
        full.extend(&args);
        let run = offline(&session, &full);
        assert_eq!(run.code, 2, "{args:?}\n{}", run.stderr);
        assert!(run.stderr.contains(rule), "{args:?}: expected {rule:?} in\n{}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
    }
    assert_eq!(std::fs::read_to_string(session.path("existing.csv")).unwrap(), "keep me");
}

#[test]
fn valid_edge_cases_pass_validation() {
    let session = Session::new();
    let run = offline(
        &session,
        &["setup", "--no-input", "--access", "read-only", "--bucket", "logs.example.com"],
    );
    assert_eq!(run.code, 3, "validation passed, then the network failed: {}", run.stderr);
    assert!(run.stderr.contains("TLS"), "the dotted-name warning is shown: {}", run.stderr);
    let run = offline(
        &session,
        &[
            "setup",
            "--no-input",
            "--access",
            "read-only",
            "--bucket",
            "b-1",
            "--policy-name",
            "Xplenty_read",
        ],
    );
    assert_eq!(run.code, 3, "`_` is valid in a policy name: {}", run.stderr);
}

#[tokio::test]
async fn an_existing_user_is_an_error_unless_reused() {
    let bucket = bucket_with(REGION, &[]).await;
    let user = unique("again");
    let session = Session::new();
    let args = |file: &'static str| {
        vec![
            "setup",
            "--no-input",
            "--access",
            "read-only",
            "--skip-test",
            "--credentials-file",
            file,
        ]
    };
    let mut first = args("first.csv");
    first.extend(["--bucket", &bucket, "--user-name", &user]);
    session.run(&first).assert_code(0);

    let mut second = args("second.csv");
    second.extend(["--bucket", &bucket, "--user-name", &user]);
    let run = session.run(&second);
    run.assert_code(3);
    assert!(run.stderr.contains("--reuse-user") && run.stderr.contains("rotate"), "{}", run.stderr);
    assert_eq!(user_state(&user).await.unwrap().keys.len(), 1, "nothing added");
    assert!(!session.path("second.csv").exists());

    second.push("--reuse-user");
    let run = session.run(&second);
    run.assert_code(0);
    assert!(run.stderr.contains("replacing inline policy `Xplenty`"), "{}", run.stderr);
    assert!(run.stderr.contains("keeps its key"), "the older key is pointed out: {}", run.stderr);
    let state = user_state(&user).await.unwrap();
    assert_eq!(state.keys.len(), 2, "the reused user got a second key");
    assert_eq!(state.policies, vec!["Xplenty".to_owned()], "the policy was replaced, not added");

    let mut third = args("third.csv");
    third.extend(["--bucket", &bucket, "--user-name", &user, "--reuse-user"]);
    let run = session.run(&third);
    run.assert_code(3);
    assert!(run.stderr.contains("already holds two access keys"), "{}", run.stderr);
    assert!(run.stderr.contains("days ago"), "the keys are listed with their age: {}", run.stderr);
    assert_eq!(user_state(&user).await.unwrap().keys, state.keys, "no key was deleted");
}

#[tokio::test]
async fn a_reused_user_with_large_policies_is_refused_before_the_policy_is_sent() {
    let bucket = bucket_with(REGION, &[]).await;
    let user = unique("crowded");
    let iam = moto().iam();
    iam.create_user().user_name(&user).send().await.unwrap();
    let resources: Vec<String> =
        (0..48).map(|i| format!("\"arn:aws:s3:::some-other-bucket-{i:02}/*\"")).collect();
    let big = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":[{}]}}]}}"#,
        resources.join(",")
    );
    iam.put_user_policy()
        .user_name(&user)
        .policy_name("other")
        .policy_document(&big)
        .send()
        .await
        .unwrap();

    let session = Session::new();
    let run =
        session.run(&setup_args(&bucket, "read-write", &user, &["--reuse-user", "--skip-test"]));
    run.assert_code(2);
    assert!(run.stderr.contains("over IAM's limit of 2048"), "{}", run.stderr);
    let state = user_state(&user).await.unwrap();
    assert_eq!(state.policies, vec!["other".to_owned()], "no policy was added");
    assert!(state.keys.is_empty(), "the key created for the run was removed");
}

#[test]
fn with_output_json_every_failure_prints_one_json_document() {
    let session = Session::new();
    let cases: Vec<Vec<&str>> = vec![
        vec!["setup", "--bogus", "--output", "json"],
        vec!["setup", "--no-input", "--access", "rw", "--output=json"],
        vec!["setup", "--no-input", "--access", "read-only", "--output", "json"],
        vec!["setup", "--no-input", "--access", "read-only", "--bucket", "b_1", "--output", "json"],
        vec!["test", "--credentials-file", "nope.csv", "--bucket", "b-1", "--output", "json"],
        vec!["teardown", "--user-name", "x", "--output", "json"],
    ];
    for args in cases {
        let run = offline(&session, &args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        let document = run.json();
        assert_eq!(document["error"]["kind"], "invalid_input", "{args:?}: {document}");
        assert_eq!(document["error"]["exit_code"], 2, "{args:?}");
        assert!(run.stderr.contains("error:"), "{args:?}: the error is also on stderr");
    }
    let mut command = session.command(&["setup", "--no-input", "--access", "read-only"]);
    command.env("XPLENTY_S3_OUTPUT", "json").env("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
    let run = finish(command);
    assert_eq!(run.json()["error"]["kind"], "invalid_input");
}
