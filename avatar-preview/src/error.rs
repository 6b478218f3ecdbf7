//! The preview's one error type.

use animo_shared::ErrorCode;
use animo_shared::avatar::inspect::InspectError;
use animo_shared::avatar::mapping::MappingProblem;

/// Why the preview could not do what it was asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PreviewError {
    /// The bytes are not an avatar the preview can show; the code says why
    /// (`not_glb`, `glb_corrupt`, `gltf_extension_unsupported`, …).
    #[error("{code}: {message}", code = .0.code.name(), message = .0.message)]
    Inspect(InspectError),
    /// Bevy's glTF loader refused a file that inspection accepted.
    #[error("glb_corrupt: the glTF loader could not read the avatar: {0}")]
    Load(String),
    /// The mapping names clips or morph targets the avatar lacks.
    #[error("mapping_invalid: {}", describe_problems(.0))]
    Mapping(Vec<MappingProblem>),
    /// A clip the avatar does not have was asked for.
    #[error("mapping_invalid: the avatar has no clip named {0:?}")]
    UnknownClip(String),
    /// The preview's thread is gone, after a renderer failure or a shutdown.
    #[error("the preview has stopped: {0}")]
    Stopped(String),
}

impl PreviewError {
    /// The code of animo-shared's table that this error corresponds to, if any.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Inspect(error) => Some(error.code),
            Self::Load(_) => Some(ErrorCode::GlbCorrupt),
            Self::Mapping(_) | Self::UnknownClip(_) => Some(ErrorCode::MappingInvalid),
            Self::Stopped(_) => None,
        }
    }
}

fn describe_problems(problems: &[MappingProblem]) -> String {
    let described: Vec<String> =
        problems.iter().map(|problem| format!("{}: {}", problem.slot.name(), problem.problem)).collect();
    described.join("; ")
}
