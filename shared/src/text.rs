//! Validating newtypes for text that arrives from outside.
//!
//! Each type deserializes through `TryFrom<String>`, so a value of the type is
//! always valid. Limits are constants so the Studio can mirror them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a value was refused: the field or type and a sentence for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The type or field that refused the value.
    pub field: &'static str,
    /// What a valid value looks like.
    pub reason: String,
}

impl ValidationError {
    /// Builds an error for `field`.
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self { field, reason: reason.into() }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

impl std::error::Error for ValidationError {}

fn has_control(text: &str, allow_newlines: bool) -> bool {
    text.chars().any(|c| c.is_control() && !(allow_newlines && (c == '\n' || c == '\t')))
}

/// Checks the common rules of free text: trimmed, length in characters within
/// bounds, no control characters (newlines only where `multiline`).
pub(crate) fn check_text(
    field: &'static str,
    text: String,
    min: usize,
    max: usize,
    multiline: bool,
) -> Result<String, ValidationError> {
    let text = if multiline { text.trim_end().to_owned() } else { text.trim().to_owned() };
    let length = text.chars().count();
    if length < min || length > max {
        return Err(ValidationError::new(
            field,
            format!("must be between {min} and {max} characters long (got {length})"),
        ));
    }
    if has_control(&text, multiline) {
        return Err(ValidationError::new(field, "must not contain control characters"));
    }
    Ok(text)
}

macro_rules! bounded_text {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr, multiline = $multiline:expr, default = $default:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub struct $name(String);

        impl $name {
            /// Fewest characters allowed.
            pub const MIN_CHARS: usize = $min;
            /// Most characters allowed.
            pub const MAX_CHARS: usize = $max;

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(text: String) -> Result<Self, Self::Error> {
                $crate::text::check_text(stringify!($name), text, $min, $max, $multiline).map(Self)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = ValidationError;
            fn try_from(text: &str) -> Result<Self, Self::Error> {
                Self::try_from(text.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self(String::from($default))
            }
        }
    };
}
pub(crate) use bounded_text;

bounded_text!(
    /// A person's display name.
    DisplayName, 1, 100, multiline = false, default = "Animo user"
);
bounded_text!(
    /// A tenant's (business's) name.
    TenantName, 1, 100, multiline = false, default = "My business"
);
bounded_text!(
    /// A human label, e.g. for an API key or a published version.
    Label, 0, 200, multiline = false, default = ""
);

/// A normalised e-mail address (trimmed, lower-case).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Email(String);

impl Email {
    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = ValidationError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        let text = text.trim().to_lowercase();
        let invalid = || ValidationError::new("Email", "must be an e-mail address such as ana@example.com");
        if text.len() < 3 || text.len() > 254 || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = text.split_once('@').ok_or_else(invalid)?;
        let domain_ok = !domain.contains('@')
            && domain.contains('.')
            && domain.split('.').all(|label| !label.is_empty() && label.len() <= 63);
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(invalid());
        }
        Ok(Self(text))
    }
}

impl TryFrom<&str> for Email {
    type Error = ValidationError;
    fn try_from(text: &str) -> Result<Self, Self::Error> {
        Self::try_from(text.to_owned())
    }
}

impl From<Email> for String {
    fn from(value: Email) -> String {
        value.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password as typed. It is never trimmed, never printed (`Debug` shows
/// `***`) and never serialized back out.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Password(String);

impl Password {
    /// Fewest characters allowed.
    pub const MIN_CHARS: usize = 10;
    /// Most characters allowed (argon2 cost grows with length).
    pub const MAX_CHARS: usize = 256;

    /// The password, for hashing or verifying only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Password {
    type Error = ValidationError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        let length = text.chars().count();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&length) {
            return Err(ValidationError::new(
                "Password",
                format!("must be between {} and {} characters long", Self::MIN_CHARS, Self::MAX_CHARS),
            ));
        }
        Ok(Self(text))
    }
}

impl TryFrom<&str> for Password {
    type Error = ValidationError;
    fn try_from(text: &str) -> Result<Self, Self::Error> {
        Self::try_from(text.to_owned())
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// Text that must be kept secret once shown (tokens, API key secrets).
/// `Debug` never prints it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(text: String) -> Self {
        Self(text)
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<T: TryFrom<String, Error = ValidationError> + fmt::Debug>(input: &str, ok: bool) {
        let result = T::try_from(input.to_owned());
        assert_eq!(result.is_ok(), ok, "{input:?} gave {result:?}");
    }

    #[test]
    fn email_rules() {
        check::<Email>("ana@example.com", true);
        check::<Email>("  Ana@Example.COM ", true);
        assert_eq!(Email::try_from(" Ana@Example.COM").expect("valid").as_str(), "ana@example.com");
        for bad in ["", "ana", "ana@", "@example.com", "ana@example", "a b@example.com", "a@b@c.com", "ana@ex..com"] {
            check::<Email>(bad, false);
        }
    }

    #[test]
    fn bounded_text_trims_and_counts_characters() {
        check::<DisplayName>("  Ana  ", true);
        check::<DisplayName>("   ", false);
        check::<DisplayName>(&"é".repeat(100), true);
        check::<DisplayName>(&"é".repeat(101), false);
        check::<DisplayName>("Ana\u{0}", false);
        check::<Label>("", true);
    }

    #[test]
    fn password_is_never_printed() {
        let password = Password::try_from("correct horse battery").expect("valid");
        assert_eq!(format!("{password:?}"), "Password(***)");
        check::<Password>("short", false);
        check::<Password>(&"x".repeat(257), false);
    }
}
