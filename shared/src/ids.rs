//! Typed identifiers.
//!
//! Every id is a short prefix naming its kind followed by lower-case hex
//! (`bot_0193…`), so an id pasted in the wrong place is refused instead of
//! silently looking up nothing. Ordinary ids carry 128 bits (the server fills
//! them from time-ordered UUIDs); embed ids, which are public and must not be
//! guessable, carry 160 random bits.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::ValidationError;

fn is_lower_hex(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn encode_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $bytes:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub struct $name(String);

        impl $name {
            /// The prefix every id of this kind starts with.
            pub const PREFIX: &'static str = $prefix;
            /// How many bytes of entropy or order the hex part carries.
            pub const BYTES: usize = $bytes;

            /// Builds the id from its raw bytes.
            pub fn from_bytes(bytes: &[u8; $bytes]) -> Self {
                Self(format!("{}{}", $prefix, encode_hex(bytes)))
            }

            /// The id as text, prefix included.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The hex part without the prefix; safe to use in database and
            /// file names because it is only `[0-9a-f]`.
            pub fn hex(&self) -> &str {
                &self.0[$prefix.len()..]
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(text: String) -> Result<Self, Self::Error> {
                let valid = text
                    .strip_prefix($prefix)
                    .is_some_and(|hex| hex.len() == $bytes * 2 && is_lower_hex(hex));
                if valid {
                    Ok(Self(text))
                } else {
                    Err(ValidationError::new(
                        stringify!($name),
                        concat!("must be `", $prefix, "` followed by ", stringify!($bytes), " bytes of lower-case hex"),
                    ))
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = ValidationError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::try_from(text.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

typed_id!(
    /// A tenant: one business, owner of bots, members and data.
    TenantId, "tn_", 16
);
typed_id!(
    /// A person's account; may be a member of several tenants.
    AccountId, "ac_", 16
);
typed_id!(
    /// A bot of a tenant.
    BotId, "bot_", 16
);
typed_id!(
    /// An API key of a tenant (not its secret).
    ApiKeyId, "key_", 16
);
typed_id!(
    /// A pending invitation to join a tenant.
    InviteId, "inv_", 16
);
typed_id!(
    /// An entry of a tenant's audit log.
    AuditId, "aud_", 16
);
typed_id!(
    /// An avatar (a GLB file and its inspection report) of a tenant.
    AvatarId, "av_", 16
);
typed_id!(
    /// The public id a website embeds to reach a bot. It is unguessable
    /// (160 random bits) and an owner can rotate it.
    EmbedId, "em_", 20
);
typed_id!(
    /// A website visitor, as the widget remembers them in the browser. Not a
    /// secret: the visitor token, not this id, proves who is talking.
    VisitorId, "vis_", 16
);
typed_id!(
    /// A conversation between one visitor (or verified user) and one bot.
    ConversationId, "cv_", 16
);
typed_id!(
    /// A message of a conversation, the visitor's or the bot's.
    MessageId, "msg_", 16
);
typed_id!(
    /// A document (uploaded file or URL source) of a bot's knowledge.
    DocumentId, "doc_", 16
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_validate_prefix_length_and_alphabet() {
        let id = BotId::from_bytes(&[0xab; 16]);
        assert_eq!(id.as_str(), format!("bot_{}", "ab".repeat(16)));
        assert_eq!(id.hex().len(), 32);
        assert!(BotId::try_from(id.to_string()).is_ok());
        for bad in [
            "tn_".to_owned() + &"ab".repeat(16),
            "bot_".to_owned() + &"AB".repeat(16),
            "bot_".to_owned() + &"ab".repeat(15),
            "bot_".to_owned() + &"zz".repeat(16),
            String::new(),
        ] {
            assert!(BotId::try_from(bad.clone()).is_err(), "{bad} should be refused");
        }
        let embed = EmbedId::from_bytes(&[7; 20]);
        assert_eq!(embed.hex().len(), 40);
        let json = serde_json::to_string(&embed).expect("serializes");
        let back: EmbedId = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, embed);
    }
}
