//! The naming rules of S3, IAM and Xplenty, checked before any AWS call.
//!
//! Each check returns the rule that was broken and why the rule exists, so a
//! user never has to find out halfway through a run, with a user already
//! created, that a name cannot work.

use std::net::Ipv4Addr;
use std::path::Path;

use crate::error::{Error, Result};

/// Why Xplenty needs host-name-safe buckets and slash-free secrets.
const HADOOP_URI_WHY: &str = "Xplenty's Hadoop-based engine addresses data as \
    s3://KEY:SECRET@BUCKET/path, so the bucket must be a valid host name";

const IAM_NAME_CHARS: &str = "letters, digits and _+=,.@-";

/// Something worth telling the user about an accepted value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning(pub String);

/// Checks a bucket name against Xplenty's rules and AWS's rules for bucket
/// names. A dotted name is valid but returns a warning.
pub fn bucket_name(name: &str) -> Result<Option<Warning>> {
    let broken = |rule: &str| Err(Error::input(format!("bucket name `{name}` {rule}")));

    if name.contains('_') {
        return broken(&format!("contains `_`, which Xplenty cannot use: {HADOOP_URI_WHY}"));
    }
    if name.ends_with('-') {
        return broken(&format!("ends with `-`, which Xplenty cannot use: {HADOOP_URI_WHY}"));
    }
    if !(3..=63).contains(&name.len()) {
        return broken("must be 3 to 63 characters long (AWS bucket naming rules)");
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '.' || *c == '-'))
    {
        return broken(&format!(
            "contains `{c}`: S3 bucket names use only lowercase letters, digits, `.` and `-`"
        ));
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge_ok(name.chars().next()) || !edge_ok(name.chars().last()) {
        return broken("must start and end with a letter or digit (AWS bucket naming rules)");
    }
    if name.contains("..") {
        return broken("contains `..`, which S3 does not allow in a bucket name");
    }
    if name.parse::<Ipv4Addr>().is_ok() {
        return broken("looks like an IPv4 address, which S3 does not allow as a bucket name");
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if name.starts_with(prefix) {
            return broken(&format!("starts with `{prefix}`, a prefix S3 reserves"));
        }
    }
    for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if name.ends_with(suffix) {
            return broken(&format!("ends with `{suffix}`, a suffix S3 reserves"));
        }
    }
    Ok(name.contains('.').then(|| {
        Warning(format!(
            "bucket `{name}` contains `.`: S3's TLS wildcard certificate does not match \
             dotted names in virtual-hosted style, so clients must use path-style addressing"
        ))
    }))
}

/// Checks what a policy grants: every bucket name and the prefix, if any.
pub fn grant(buckets: &[String], prefix: Option<&str>) -> Result<Vec<Warning>> {
    let mut warnings = Vec::new();
    for bucket in buckets {
        warnings.extend(bucket_name(bucket)?);
    }
    if let Some(prefix) = prefix {
        warnings.extend(self::prefix(prefix)?);
    }
    Ok(warnings)
}

/// The buckets in the order given, each once.
pub fn unique(buckets: &[String]) -> Vec<String> {
    let mut seen = Vec::with_capacity(buckets.len());
    for bucket in buckets {
        if !seen.contains(bucket) {
            seen.push(bucket.clone());
        }
    }
    seen
}

/// IAM user names: 1 to 64 characters of letters, digits and `_+=,.@-`.
pub fn user_name(name: &str) -> Result<()> {
    iam_name("IAM user name", name, 64)
}

/// Inline policy names: 1 to 128 characters of the same set.
pub fn policy_name(name: &str) -> Result<()> {
    iam_name("policy name", name, 128)
}

fn iam_name(what: &str, name: &str, max: usize) -> Result<()> {
    if name.is_empty() || name.len() > max {
        return Err(Error::input(format!(
            "{what} `{name}` must be 1 to {max} characters long (IAM limit)"
        )));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    match name.chars().find(|c| !allowed(*c)) {
        Some(c) => Err(Error::input(format!(
            "{what} `{name}` contains `{c}`: IAM accepts only {IAM_NAME_CHARS}"
        ))),
        None => Ok(()),
    }
}

/// A key prefix that confines the policy. It becomes part of an IAM resource
/// ARN and a condition value, where `*`, `?` and `${` have meanings of their
/// own that would widen access.
pub fn prefix(prefix: &str) -> Result<Option<Warning>> {
    let broken = |rule: &str| Err(Error::input(format!("prefix `{prefix}` {rule}")));

    if prefix.is_empty() {
        return broken("is empty: leave out --prefix to grant the whole bucket");
    }
    if prefix.starts_with('/') {
        return broken(
            "starts with `/`: S3 keys do not start with a slash, so it would match nothing",
        );
    }
    if prefix.len() > 1024 {
        return broken("is longer than 1,024 bytes, the longest S3 key");
    }
    if let Some(c) = prefix.chars().find(|c| ['*', '?'].contains(c) || c.is_control()) {
        return broken(&format!(
            "contains {c:?}: in an IAM policy resource it would be a wildcard or invalid"
        ));
    }
    if prefix.contains("${") {
        return broken("contains `${`, which IAM reads as a policy variable");
    }
    Ok((!prefix.ends_with('/')).then(|| {
        Warning(format!(
            "prefix `{prefix}` does not end with `/`: it also grants keys such as \
             `{prefix}-other/...`; add a trailing `/` to grant one folder only"
        ))
    }))
}

/// The credentials file must be creatable: its folder exists, it is not a
/// folder itself, and it does not exist unless overwriting was asked for.
pub fn credentials_path(path: &Path, force: bool) -> Result<()> {
    let shown = path.display();
    if path.as_os_str().is_empty() {
        return Err(Error::input("the credentials file path is empty"));
    }
    if path.is_dir() || path.as_os_str().to_string_lossy().ends_with('/') {
        return Err(Error::input(format!(
            "credentials file `{shown}` is a folder: give a file name, e.g. `{}`",
            path.join("credentials.csv").display()
        )));
    }
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(Error::input(format!(
            "cannot write credentials file `{shown}`: folder `{}` does not exist",
            parent.display()
        )));
    }
    if path.exists() && !force {
        return Err(Error::input_with_hint(
            format!("credentials file `{shown}` already exists"),
            "pass --force to replace it (only after the new key passes its test), \
             or choose another path with --credentials-file",
        ));
    }
    // The file is written beside its final path, so the folder must take a
    // new file; a probe now beats finding out after the key exists.
    tempfile::Builder::new().prefix(".xplenty-s3-probe-").tempfile_in(parent).map_err(|err| {
        Error::input(format!(
            "cannot write credentials file `{shown}`: folder `{}` does not take new files ({err})",
            parent.display()
        ))
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn message(result: Result<impl Sized>) -> String {
        match result {
            Err(err) => err.to_string(),
            Ok(_) => String::from("accepted"),
        }
    }

    #[test]
    fn bucket_names() {
        let long = "a".repeat(64);
        let cases: &[(&str, &str)] = &[
            ("my-bucket", "accepted"),
            ("abc", "accepted"),
            ("a1.b2", "accepted"),
            ("my_bucket", "contains `_`, which Xplenty cannot use"),
            ("my-bucket-", "ends with `-`, which Xplenty cannot use"),
            ("ab", "3 to 63 characters"),
            (&long, "3 to 63 characters"),
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
        for (name, expected) in cases {
            let got = message(bucket_name(name));
            assert!(got.contains(expected), "{name}: expected {expected:?}, got {got:?}");
        }
    }

    #[test]
    fn dotted_bucket_names_warn_about_tls() {
        let warning = bucket_name("logs.example.com").unwrap().unwrap();
        assert!(warning.0.contains("TLS"), "{warning:?}");
        assert_eq!(bucket_name("logs-example").unwrap(), None);
    }

    #[test]
    fn iam_names() {
        let cases: &[(Result<()>, &str)] = &[
            (user_name("xplenty"), "accepted"),
            (user_name("a_b+c=d,e.f@g-h"), "accepted"),
            (user_name(&"u".repeat(64)), "accepted"),
            (user_name(&"u".repeat(65)), "1 to 64 characters"),
            (user_name(""), "1 to 64 characters"),
            (user_name("x/y"), "contains `/`"),
            (user_name("name with space"), "contains ` `"),
            (user_name("naïve"), "contains `ï`"),
            (policy_name("Xplenty_read"), "accepted"),
            (policy_name(&"p".repeat(128)), "accepted"),
            (policy_name(&"p".repeat(129)), "1 to 128 characters"),
            (policy_name("a:b"), "contains `:`"),
        ];
        for (result, expected) in cases {
            let got = match result {
                Ok(()) => String::from("accepted"),
                Err(err) => err.to_string(),
            };
            assert!(got.contains(expected), "expected {expected:?}, got {got:?}");
        }
    }

    #[test]
    fn prefixes() {
        let cases: &[(&str, &str)] = &[
            ("exports/", "accepted"),
            ("a/b/c/", "accepted"),
            ("", "is empty"),
            ("/exports/", "starts with `/`"),
            ("ex*/", "'*'"),
            ("ex?/", "'?'"),
            ("ex\n/", "'\\n'"),
            ("${aws:username}/", "policy variable"),
        ];
        for (prefix_value, expected) in cases {
            let got = message(prefix(prefix_value));
            assert!(got.contains(expected), "{prefix_value:?}: expected {expected:?}, got {got:?}");
        }
        assert!(prefix("exports").unwrap().is_some(), "a prefix without `/` warns");
    }

    #[test]
    fn credentials_paths() {
        let dir = tempfile::tempdir().unwrap();
        let existing = dir.path().join("old.csv");
        std::fs::write(&existing, "x").unwrap();

        assert!(credentials_path(&dir.path().join("new.csv"), false).is_ok());
        assert!(credentials_path(&existing, true).is_ok());
        let cases = [
            (dir.path().to_path_buf(), "is a folder"),
            (dir.path().join("missing/credentials.csv"), "does not exist"),
            (dir.path().join("new-folder/"), "is a folder"),
            (PathBuf::from("/proc/credentials.csv"), "does not take new files"),
            (existing.clone(), "already exists"),
        ];
        for (path, expected) in cases {
            let got = message(credentials_path(&path, false));
            assert!(got.contains(expected), "{path:?}: expected {expected:?}, got {got:?}");
        }
    }
}
