//! Avatars: the animation slots every bot speaks in, the mapping from slots
//! to an avatar's clips, suggestions from clip names, and the inspection of
//! GLB files.

pub mod inspect;
pub mod mapping;
pub mod slots;
pub mod suggest;
