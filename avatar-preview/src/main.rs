//! The avatar preview.
//!
//! Per DESIGN.md this crate will hold `AvatarPreviewPlugin`, a Bevy plugin that
//! loads a GLB avatar, plays and crossfades its clips through the animation
//! slots of animo-shared, and renders either in a window with an egui panel
//! (`animo-preview FILE.glb`) or headless, handing RGBA frames to a host such
//! as the Studio. It never links Tauri or the server.
//!
//! Until the avatar issue builds it, the binary says so and fails, so that no
//! script mistakes it for a working tool.

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!("animo-preview: the avatar preview is not built yet; see the avatar issue");
    ExitCode::from(2)
}
