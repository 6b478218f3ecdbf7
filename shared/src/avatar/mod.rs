//! Avatars: the animation slots every bot speaks in, the mapping from slots
//! to an avatar's clips, suggestions from clip names, and the inspection of
//! GLB files.

pub mod inspect;
pub mod mapping;
pub mod slots;
pub mod suggest;

use serde::{Deserialize, Serialize};

use crate::ids::AvatarId;
use crate::time::Timestamp;

/// An uploaded avatar with its inspection report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AvatarView {
    /// The avatar's id.
    pub id: AvatarId,
    /// The uploaded file's name.
    pub file_name: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// The SHA-256 of the file, as hex; also its HTTP entity tag.
    pub sha256: String,
    /// What the file contains.
    pub report: inspect::InspectionReport,
    /// When it was uploaded.
    pub created_at: Timestamp,
}

/// The tenant's avatars.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AvatarList {
    /// Avatars, oldest first.
    pub avatars: Vec<AvatarView>,
}

/// The avatar a bot shows and how it plays the slots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BotAvatar {
    /// The avatar.
    pub avatar_id: AvatarId,
    /// The slot mapping, checked against the avatar's clips and morph targets.
    pub mapping: mapping::AnimationMapping,
}
