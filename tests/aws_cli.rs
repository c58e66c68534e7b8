//! Interoperability with the AWS CLI v2: it accepts our credentials.csv and
//! the imported profile works against the bucket.

mod common;

use std::process::Command;

use common::*;

fn aws_cli() -> String {
    let path = std::env::var("XPLENTY_S3_TEST_AWS_CLI").unwrap_or_else(|_| "/usr/bin/aws".into());
    assert!(
        std::path::Path::new(&path).exists(),
        "the AWS CLI v2 is not installed at {path}: run scripts/test (or scripts/install-test-tools)"
    );
    path
}

#[tokio::test]
async fn aws_cli_imports_the_credentials_file_and_lists_the_bucket() {
    let bucket = bucket_with(REGION, &[("exports/day-1.csv", "a\n")]).await;
    let user = unique("cli");
    let session = Session::new();
    session.run(&setup_args(&bucket, "read-only", &user, &[])).assert_code(0);

    let aws = |args: &[&str]| {
        Command::new(aws_cli())
            .args(args)
            .current_dir(session.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", session.dir.path())
            .env("AWS_DEFAULT_REGION", REGION)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .unwrap()
    };
    let import = aws(&["configure", "import", "--csv", "file://credentials.csv"]);
    assert!(import.status.success(), "import: {}", String::from_utf8_lossy(&import.stderr));

    // `aws s3 ls` sends `delimiter=/`, and moto re-encodes such query
    // values when it checks a signature, so it refuses the listing whatever
    // the key. `s3api list-objects-v2` sends no such value.
    let endpoint = ["--profile", user.as_str(), "--endpoint-url", session.endpoint.as_str()];
    let listing =
        aws(&[&["s3api", "list-objects-v2", "--bucket", &bucket][..], &endpoint].concat());
    let stdout = String::from_utf8_lossy(&listing.stdout);
    assert!(listing.status.success(), "list: {}", String::from_utf8_lossy(&listing.stderr));
    assert!(stdout.contains("exports/day-1.csv"), "{stdout}");

    let object = format!("s3://{bucket}/exports/day-1.csv");
    let read = aws(&[&["s3", "cp", &object, "-"][..], &endpoint].concat());
    assert!(read.status.success(), "read: {}", String::from_utf8_lossy(&read.stderr));
    assert_eq!(String::from_utf8_lossy(&read.stdout), "a\n");

    let upload = format!("s3://{bucket}/stolen.csv");
    let copy = aws(&[&["s3", "cp", "credentials.csv", &upload][..], &endpoint].concat());
    assert!(!copy.status.success(), "a read-only key cannot upload");
    assert!(String::from_utf8_lossy(&copy.stderr).contains("AccessDenied"));
}
