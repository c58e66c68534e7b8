//! A secret access key that cannot be printed by accident.
//!
//! The only way to the characters is [`Secret::expose`], so every place that
//! writes a secret somewhere (the credentials file, `--show-secret`, the
//! signing credentials of the connection test) is visible in the code.

use std::fmt;

/// An AWS secret access key. `Debug` and `Display` print a fixed mask.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the few places that must write or sign with it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The secret with all but its last four characters hidden, for a summary
    /// on screen that lets a person match it against the file.
    pub fn masked(&self) -> String {
        let tail: String = self.0.chars().skip(self.0.chars().count().saturating_sub(4)).collect();
        format!("****************{tail}")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_never_shows_the_secret() {
        let secret = Secret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        assert_eq!(format!("{secret}"), "<redacted>");
        assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
        assert!(!format!("{:?}", Some(&secret)).contains("EXAMPLE"));
        assert_eq!(secret.masked(), "****************EKEY");
    }
}
