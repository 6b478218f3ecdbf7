//! Animo's avatar preview.
//!
//! [`AvatarPreviewPlugin`] loads a GLB avatar from bytes, builds an animation
//! graph with one node per clip, plays Animo's slots through the bot's
//! [`AnimationMapping`](animo_shared::avatar::mapping::AnimationMapping) with
//! crossfades, loop modes, speeds and morph-target expressions, frames the
//! camera on the avatar, orbits and zooms, and reports clicks that hit it.
//! Everything is driven by messages ([`LoadAvatar`](avatar::LoadAvatar),
//! [`PlaySlot`](playback::PlaySlot), [`CameraInput`](camera::CameraInput), …),
//! so the same plugin serves the window tool and the offscreen renderer.
//!
//! [`HeadlessPreview`](headless::HeadlessPreview) runs the plugin on its own
//! thread without a window, rendering into an image that is read back from
//! the GPU and handed to the host as RGBA frames through a channel; input
//! goes the other way. This is how the Studio embeds the preview.
//!
//! The crate never links Tauri or the server.

#![allow(
    elided_lifetimes_in_paths,
    reason = "Bevy system parameters are written without their lifetimes, as in Bevy's own code"
)]
#![allow(
    clippy::too_many_arguments,
    reason = "Bevy systems take one parameter per resource, query and message they use"
)]

pub mod avatar;
pub mod camera;
pub mod error;
pub mod expression;
pub mod headless;
pub mod playback;

use bevy::app::AnimationSystems;
use bevy::prelude::*;

/// What a host of the preview needs.
pub mod prelude {
    pub use crate::AvatarPreviewPlugin;
    pub use crate::avatar::{Avatar, AvatarReady, AvatarRoot, ClipGraph, LoadAvatar, PreviewFailed, SetMapping};
    pub use crate::camera::{AvatarClicked, CameraInput, ClickAt, OrbitCamera};
    pub use crate::error::PreviewError;
    pub use crate::expression::MorphTargets;
    pub use crate::headless::{Clock, Frame, HeadlessPreview, PreviewConfig, PreviewEvent, PreviewInput};
    pub use crate::playback::{NowPlaying, PlayClip, PlaySlot, Playback};
}

/// Loads, plays, frames and picks the avatar. Needs Bevy's asset, glTF,
/// animation and world-serialization plugins; rendering is optional, so the
/// plugin also runs in tests without a GPU.
#[derive(Debug, Default)]
pub struct AvatarPreviewPlugin;

impl Plugin for AvatarPreviewPlugin {
    fn build(&self, app: &mut App) {
        app.add_message::<avatar::LoadAvatar>()
            .add_message::<avatar::SetMapping>()
            .add_message::<avatar::AvatarReady>()
            .add_message::<avatar::PreviewFailed>()
            .add_message::<playback::PlaySlot>()
            .add_message::<playback::PlayClip>()
            .add_message::<camera::CameraInput>()
            .add_message::<camera::ClickAt>()
            .add_message::<camera::AvatarClicked>()
            .init_resource::<playback::Playback>()
            .init_resource::<avatar::LoadCounter>()
            .insert_resource(ClearColor(camera::BACKGROUND))
            .insert_resource(camera::widget_ambient_light())
            .add_systems(Startup, camera::spawn_camera_and_lights)
            .add_systems(
                Update,
                (
                    avatar::start_loading,
                    avatar::finish_loading,
                    avatar::set_mapping,
                    playback::play_requests,
                    playback::return_to_idle,
                    camera::frame_avatar,
                    camera::apply_camera_input,
                    camera::pick,
                )
                    .chain(),
            )
            .add_systems(
                PostUpdate,
                (
                    camera::place_cameras.before(TransformSystems::Propagate),
                    expression::apply_expression.after(AnimationSystems),
                ),
            );
    }
}
