//! The one serialized contract of Animo.
//!
//! Every type that crosses a process boundary (HTTP bodies, WebSocket frames,
//! Studio commands) is defined here, once, with serde. The server, the Studio
//! and the preview link this crate; the widget and the Studio front-end get
//! TypeScript declarations generated from it (`cargo xtask codegen`).
//!
//! Values that reach a constructor of a type in this crate have already been
//! validated: validating newtypes deserialize through `TryFrom`, so a bad
//! e-mail address or an over-long greeting is refused at the edge and cannot
//! be represented further in.
//!
//! This crate does no I/O and knows no framework. The optional features only
//! add derives: `openapi` (utoipa schemas) and `ts` (TypeScript declarations).
#![deny(missing_docs)]

pub mod api;
pub mod avatar;
pub mod bot;
pub mod chat;
pub mod error;
pub mod ids;
pub mod knowledge;
pub mod sentiment;
pub mod text;
pub mod time;
#[cfg(feature = "ts")]
pub mod typescript;

pub use bot::{BotConfig, ModelSettings, Personality, PlacementRules, WidgetLook};
pub use chat::{ClientFrame, ServerFrame};
pub use error::{ErrorBody, ErrorCode};
pub use ids::{
    AccountId, ApiKeyId, AuditId, AvatarId, BotId, ConversationId, DocumentId, EmbedId, InviteId, MessageId, TenantId,
    VisitorId,
};
pub use text::ValidationError;
pub use time::Timestamp;
