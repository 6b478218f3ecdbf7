//! Making new ids.

use animo_shared::{
    AccountId, ApiKeyId, AuditId, AvatarId, BotId, ConversationId, DocumentId, EmbedId, InviteId, MessageId, TenantId,
    VisitorId,
};

/// Ids the server mints.
pub trait NewId {
    /// A fresh id.
    fn generate() -> Self;
}

macro_rules! time_ordered {
    ($($ty:ty),*) => {$(
        impl NewId for $ty {
            /// UUID v7: unique and ordered by creation time, so listing by id lists by age.
            fn generate() -> Self {
                Self::from_bytes(uuid::Uuid::now_v7().as_bytes())
            }
        }
    )*};
}

time_ordered!(TenantId, AccountId, BotId, ApiKeyId, InviteId, AuditId, AvatarId, ConversationId, MessageId, DocumentId);

impl NewId for VisitorId {
    /// Random: a visitor id must not reveal when or in which order visitors came.
    fn generate() -> Self {
        Self::from_bytes(&rand::random::<[u8; 16]>())
    }
}

impl NewId for EmbedId {
    /// 160 bits from the operating system's random source: embed ids are public and must not be guessable.
    fn generate() -> Self {
        Self::from_bytes(&rand::random::<[u8; 20]>())
    }
}
