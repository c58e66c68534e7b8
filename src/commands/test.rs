//! `xplenty-s3 test`: the connection test with an existing credentials file.

use serde::Serialize;

use crate::aws::Aws;
use crate::cli::{GlobalArgs, OutputFormat, TestArgs};
use crate::error::{Error, Result};
use crate::report::{print_json, ErrorReport};
use crate::steps::bucket_region::locate_all;
use crate::steps::bucket_region::Bucket;
use crate::steps::connection_test::{self, TestPlan, TestReport};
use crate::steps::credentials_file;
use crate::ui::Ui;
use crate::{interrupt, validate};

#[derive(Serialize)]
struct Outcome<'a> {
    credentials_file: String,
    access_key_id: &'a str,
    buckets: &'a [Bucket],
    connection_test: &'a TestReport,
    error: Option<ErrorReport>,
}

/// The bucket look-up is signed with the key from the file, not with admin
/// credentials: an unknown or mangled key is that key's problem.
fn about_the_file_key(err: Error, file: &std::path::Path) -> Error {
    let hint = match &err {
        Error::Aws { code: Some(code), .. }
            if ["InvalidAccessKeyId", "InvalidClientTokenId"].contains(&code.as_str()) =>
        {
            "AWS does not know the key in {file}: it was deleted or deactivated, or mistyped"
        }
        Error::Aws { code: Some(code), .. } if code == "SignatureDoesNotMatch" => {
            "the secret in {file} does not match its key id: it was changed on the way"
        }
        _ => return err,
    };
    err.with_hint(hint.replace("{file}", &file.display().to_string()))
}

pub async fn run(global: &GlobalArgs, args: &TestArgs, ui: &Ui) -> Result<()> {
    for warning in validate::grant(&args.buckets.names, args.prefix.as_deref())? {
        ui.warn(warning.0);
    }
    let key = credentials_file::read(&args.credentials_file)?;
    interrupt::listen();

    let with_key = Aws::load(global).await.with_key(&key.access_key_id, &key.secret);
    let buckets = locate_all(
        &with_key.s3(with_key.home_region()),
        &validate::unique(&args.buckets.names),
        ui,
    )
    .await
    .map_err(|err| about_the_file_key(err, &args.credentials_file))?;
    let plan = TestPlan {
        buckets: &buckets,
        access: args.access,
        prefix: args.prefix.as_deref(),
        // An existing key is not waited for: AWS knows it or it is gone.
        timeout: std::time::Duration::ZERO,
        expected_arn: None,
        new_key: false,
    };
    let mut report = connection_test::run(&with_key, &plan, ui).await?;
    if key.secret.expose().contains('/') {
        let user = key.user_name.as_deref().unwrap_or("NAME");
        let why = format!(
            "the secret contains `/`, which breaks the s3://KEY:SECRET@bucket URIs Xplenty's \
             engine uses: run `xplenty-s3 rotate --user-name {user}` for a slash-free key"
        );
        ui.failed(format!("secret has no `/`: {why}"));
        report.add_failure("secret has no `/`", why);
    }
    let verdict = report.verdict();
    let outcome = Outcome {
        credentials_file: args.credentials_file.display().to_string(),
        access_key_id: &key.access_key_id,
        buckets: &buckets,
        connection_test: &report,
        error: verdict.as_ref().err().map(ErrorReport::from),
    };
    match args.output.format {
        OutputFormat::Json => print_json(&outcome),
        OutputFormat::Text if report.passed => {
            println!(
                "The connection test passed for key {} ({} checks).",
                key.access_key_id,
                report.checks.len()
            );
        }
        OutputFormat::Text => {}
    }
    verdict
}
