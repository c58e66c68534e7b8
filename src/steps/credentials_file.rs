//! credentials.csv: written like the AWS console's "Download Credentials"
//! file, so `aws configure import --csv` accepts it, and read in every
//! layout the console has produced.
//!
//! The file is private from the moment it exists: it is created with mode
//! 0600 as a temporary file beside its final path, and renamed into place
//! only when the run commits. A failed run therefore never leaves a file,
//! nor touches one that was there before.

use std::fs::Permissions;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::steps::create_access_key::NewKey;

pub const HEADER: [&str; 3] = ["User Name", "Access Key Id", "Secret Access Key"];

/// A key as stored in a credentials file.
#[derive(Debug, Clone)]
pub struct StoredKey {
    pub user_name: Option<String>,
    pub access_key_id: String,
    pub secret: Secret,
}

impl StoredKey {
    /// The key of a new access key for `user`.
    pub fn for_user(user: &str, key: &NewKey) -> Self {
        Self {
            user_name: Some(user.to_owned()),
            access_key_id: key.access_key_id.clone(),
            secret: key.secret.clone(),
        }
    }
}

/// A written credentials file that is not yet at its final path.
#[derive(Debug)]
pub struct PendingFile {
    temp: NamedTempFile,
    path: PathBuf,
    replace: bool,
}

/// Writes the key to a private temporary file in the target's folder.
pub fn write_pending(path: &Path, key: &StoredKey, replace: bool) -> Result<PendingFile> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let context = |what: &str| format!("{what} credentials file `{}`", path.display());
    let mut temp = tempfile::Builder::new()
        .prefix(".credentials-")
        .suffix(".csv.tmp")
        .permissions(Permissions::from_mode(0o600))
        .tempfile_in(folder)
        .map_err(|err| Error::Internal(anyhow::Error::new(err).context(context("creating"))))?;
    let bytes = to_csv(key).map_err(|err| Error::Internal(err.context(context("encoding"))))?;
    temp.write_all(&bytes)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|err| Error::Internal(anyhow::Error::new(err).context(context("writing"))))?;
    Ok(PendingFile { temp, path: path.to_owned(), replace })
}

impl PendingFile {
    /// The temporary file's path, while it is pending.
    #[cfg(test)]
    pub fn temp_path(&self) -> &Path {
        self.temp.path()
    }

    /// Renames the file into place. Without `replace`, an existing file at
    /// the final path (even one created since the run started) is kept.
    pub fn commit(self) -> Result<PathBuf> {
        let path = self.path;
        let persisted = if self.replace {
            self.temp.persist(&path).map(drop)
        } else {
            self.temp.persist_noclobber(&path).map(drop)
        };
        // Checked before the run; failing now means the folder changed
        // meanwhile (a file appeared, a permission went), which is unexpected.
        persisted.map_err(|err| {
            Error::Internal(anyhow::Error::new(err.error).context(format!(
                "saving credentials file `{}` (it was checked before the run)",
                path.display()
            )))
        })?;
        Ok(path)
    }
}

/// The file's absolute path, as the summary and the JSON report show it.
pub fn shown(path: &Path) -> String {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned()).display().to_string()
}

fn to_csv(key: &StoredKey) -> anyhow::Result<Vec<u8>> {
    let mut writer =
        csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    writer.write_record(HEADER)?;
    writer.write_record([
        key.user_name.as_deref().unwrap_or_default(),
        &key.access_key_id,
        key.secret.expose(),
    ])?;
    Ok(writer.into_inner()?)
}

/// Reads the first key of a credentials file in any of the console's
/// layouts: `User Name,Access Key Id,Secret Access Key`; the older one with
/// `Password` and `Console login link`; today's `Access key ID,Secret access
/// key`. With or without a byte-order mark, LF or CRLF, header names
/// compared without regard to case or surrounding spaces.
pub fn read(path: &Path) -> Result<StoredKey> {
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|err| {
        Error::input_with_hint(
            format!("cannot read credentials file `{shown}`: {err}"),
            "point --credentials-file at the file that setup wrote or the console downloaded",
        )
    })?;
    parse(&bytes).map_err(|why| Error::input(format!("credentials file `{shown}` {why}")))
}

fn parse(bytes: &[u8]) -> std::result::Result<StoredKey, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err("is empty".into());
    }
    let mut reader =
        csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(bytes);
    let headers = reader.headers().map_err(|err| format!("is not valid CSV: {err}"))?.clone();
    let column = |name: &str| {
        headers.iter().position(|h| {
            h.split_whitespace().collect::<Vec<_>>().join(" ").eq_ignore_ascii_case(name)
        })
    };
    let (Some(id_at), Some(secret_at)) = (column("access key id"), column("secret access key"))
    else {
        // The first row is not repeated: in a file without a header it is
        // the key, secret included.
        return Err(format!(
            "has no `Access key ID` and `Secret access key` columns in its first row \
             ({} columns): is its header missing?",
            headers.len()
        ));
    };
    let user_at = column("user name");
    let mut records = reader.records();
    let record = records
        .next()
        .ok_or("holds no key, only a header")?
        .map_err(|err| format!("is not valid CSV: {err}"))?;
    if records.next().is_some() {
        return Err("holds more than one key: keep the one for Xplenty in a file of its own".into());
    }
    let field = |at: usize| record.get(at).unwrap_or_default().to_owned();
    let key = StoredKey {
        user_name: user_at.map(field).filter(|u| !u.is_empty()),
        access_key_id: field(id_at),
        secret: Secret::new(field(secret_at)),
    };
    if key.access_key_id.is_empty() || key.secret.expose().is_empty() {
        return Err("has an empty access key id or secret".into());
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> StoredKey {
        StoredKey {
            user_name: Some("xplenty".into()),
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret: Secret::new("wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"),
        }
    }

    #[test]
    fn writes_the_console_layout() {
        let expected = "User Name,Access Key Id,Secret Access Key\n\
                        xplenty,AKIAIOSFODNN7EXAMPLE,wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY\n";
        assert_eq!(String::from_utf8(to_csv(&key()).unwrap()).unwrap(), expected);
    }

    #[test]
    fn reads_every_console_layout() {
        let id = "AKIAIOSFODNN7EXAMPLE";
        let secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY";
        let layouts = [
            format!("User Name,Access Key Id,Secret Access Key\nxplenty,{id},{secret}\n"),
            format!(
                "\u{feff}User Name,Access Key Id,Secret Access Key\r\nxplenty,{id},{secret}\r\n"
            ),
            format!(
                "User name,Password,Access key ID,Secret access key,Console login link\n\
                 xplenty,,{id},{secret},https://123456789012.signin.aws.amazon.com/console\n"
            ),
            format!("Access key ID,Secret access key\r\n{id},{secret}\r\n"),
            format!("\u{feff}access key id , SECRET ACCESS KEY\n{id},{secret}"),
        ];
        for layout in &layouts {
            let read = parse(layout.as_bytes()).unwrap_or_else(|e| panic!("{layout:?}: {e}"));
            assert_eq!(read.access_key_id, id, "{layout:?}");
            assert_eq!(read.secret.expose(), secret, "{layout:?}");
        }
    }

    #[test]
    fn rejects_files_without_a_key() {
        let cases = [
            ("Name,Value\nx,y\n", "has no `Access key ID`"),
            ("AKIAIOSFODNN7EXAMPLE,wJalrXUtnFEMIK7MDENG\n", "is its header missing?"),
            ("Access key ID,Secret access key\n", "holds no key"),
            ("Access key ID,Secret access key\n,\n", "empty access key id"),
            ("", "is empty"),
            ("\u{feff}\r\n", "is empty"),
            ("Access key ID,Secret access key\nA,B\nC,D\n", "more than one key"),
        ];
        for (text, expected) in cases {
            let err = parse(text.as_bytes()).unwrap_err();
            assert!(err.contains(expected), "{text:?}: {err}");
            assert!(!err.contains("wJalr"), "no secret in {err}");
        }
    }

    #[test]
    fn pending_file_is_private_and_appears_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials.csv");
        let pending = write_pending(&path, &key(), false).unwrap();
        let mode = std::fs::metadata(pending.temp_path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(!path.exists());
        pending.commit().unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(read(&path).unwrap().access_key_id, "AKIAIOSFODNN7EXAMPLE");
    }

    #[test]
    fn commit_keeps_a_file_that_appeared_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials.csv");
        let pending = write_pending(&path, &key(), false).unwrap();
        std::fs::write(&path, "someone else's").unwrap();
        assert!(pending.commit().is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "someone else's");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "temporary file removed");
    }
}
