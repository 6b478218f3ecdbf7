//! Test chat with the bot's draft, and the poster rendered at publish.
//!
//! `test_chat_send` streams one answer: every chat-protocol frame is
//! forwarded as a `TestChatFrameArrived` tagged with the caller's request
//! number, so the screen can show the words and play each cue's slot in the
//! viewport as they arrive. `test_chat_open_avatar` shows the bot's own
//! avatar with its draft mapping in the viewport. `poster_render` renders the
//! bot's avatar in its idle pose with a separate offscreen preview and stores
//! the PNG as the bot's poster, the widget's 2D fallback.

use std::sync::Arc;
use std::time::Duration;

use animo_preview::prelude::{Clock, HeadlessPreview, PreviewConfig, PreviewInput};
use animo_shared::avatar::slots::Slot;
use animo_shared::chat::{PosterView, TestChatRequest};
use animo_shared::{BotId, ErrorCode};
use animo_studio_core::app::{TestChatAvatar, TestChatAvatarOpened, TestChatFrame, TestChatFrameArrived, ViewportSize};
use animo_studio_core::{Studio as Core, StudioError, TestChatOutcome};
use tauri::{AppHandle, State};

use crate::avatar::OpenAvatar;
use crate::commands::{checked_size, show};
use crate::error::CommandError;
use crate::{Studio, emit, lock};

/// The poster's size in pixels: sharp in the widget's panel on a
/// high-density screen, small as a PNG.
pub const POSTER_SIDE: u32 = 512;

/// Frames rendered before the poster is taken, one thirtieth of a second
/// apart: a second into the idle clip, past any blend from the rest pose.
const POSTER_FRAMES: u64 = 30;

/// How long rendering the poster may take on a software renderer.
const POSTER_TIMEOUT: Duration = Duration::from_secs(120);

fn from_command(error: CommandError) -> StudioError {
    StudioError::new(error.code, error.message)
}

/// Sends a test message to the bot's draft; frames arrive as
/// `TestChatFrameArrived`s while this runs, and it ends with the conversation
/// to continue or the code of the refusal. Tauri does not order events
/// against a command's result, so the last frames may reach the window after
/// the result does: the screen waits for an answer's `done` or `error` frame.
#[tauri::command]
pub async fn test_chat_send(
    app: AppHandle,
    core: State<'_, Core>,
    bot: BotId,
    request: u64,
    message: TestChatRequest,
) -> Result<TestChatOutcome, StudioError> {
    core.test_chat(&bot, &message, |frame| {
        // A window that is closing no longer listens; the answer is stored anyway.
        let _ = emit::<TestChatFrameArrived>(&app, &TestChatFrame { request, frame });
    })
    .await
}

/// Shows the bot's draft avatar, with the draft's mapping, in the viewport.
#[tauri::command]
pub async fn test_chat_open_avatar(
    app: AppHandle,
    studio: State<'_, Studio>,
    core: State<'_, Core>,
    bot: BotId,
    size: ViewportSize,
) -> Result<TestChatAvatarOpened, StudioError> {
    let (width, height) = checked_size(size).map_err(from_command)?;
    let view = core.bot(&bot).await?;
    let Some(attached) = view.draft.avatar else {
        return Ok(TestChatAvatarOpened { kind: TestChatAvatar::None, opened: None });
    };
    let glb = core.avatar_model(&attached.avatar_id).await?;
    let name = format!("{}.glb", attached.avatar_id);
    let mut avatar = tauri::async_runtime::spawn_blocking(move || OpenAvatar::inspect(name, glb.to_vec()))
        .await
        .map_err(|error| StudioError::new(ErrorCode::Internal, format!("inspection stopped: {error}")))?
        .map_err(from_command)?;
    // The draft's mapping was checked against this avatar when it was saved;
    // should it no longer fit, the slots that do not are adapted and listed.
    let adjusted = avatar.adopt_mapping(&attached.mapping);
    show(&app, &studio, &avatar, width, height).map_err(from_command)?;
    let opened = avatar.opened(adjusted);
    *lock(&studio.avatar) = Some(avatar);
    Ok(TestChatAvatarOpened { kind: TestChatAvatar::Bot, opened: Some(opened) })
}

/// The name of the avatar the viewport shows, if any: the test chat opens
/// one only when none is open.
#[tauri::command]
pub fn test_chat_viewport_avatar(studio: State<'_, Studio>) -> Option<String> {
    let open = lock(&studio.avatar).as_ref().map(|avatar| avatar.name.clone());
    open.filter(|_| lock(&studio.viewport).is_some())
}

/// Renders the bot's draft avatar in its idle pose and stores it as the
/// bot's poster. Fails with `conflict` when the draft has no avatar.
#[tauri::command]
pub async fn poster_render(core: State<'_, Core>, bot: BotId) -> Result<PosterView, StudioError> {
    let view = core.bot(&bot).await?;
    let attached = view.draft.avatar.ok_or_else(|| {
        StudioError::new(
            ErrorCode::Conflict,
            "The bot has no avatar; the widget shows its initial instead of a poster.",
        )
    })?;
    let glb: Arc<[u8]> = core.avatar_model(&attached.avatar_id).await?.to_vec().into();
    let mapping = attached.mapping;
    let png = tauri::async_runtime::spawn_blocking(move || render_poster(glb, Some(mapping), POSTER_SIDE))
        .await
        .map_err(|error| StudioError::new(ErrorCode::Internal, format!("the poster renderer stopped: {error}")))??;
    core.upload_poster(&bot, png).await
}

/// Renders `glb` in its idle slot with a preview of its own (the viewport
/// keeps showing whatever it shows) and encodes the frame as a PNG.
pub fn render_poster(
    glb: Arc<[u8]>,
    mapping: Option<animo_shared::avatar::mapping::AnimationMapping>,
    side: u32,
) -> Result<Vec<u8>, StudioError> {
    let config = PreviewConfig {
        mapping,
        width: side,
        height: side,
        // Time is fixed per frame, so the poster is the same on every
        // machine; render as fast as the renderer goes.
        max_fps: 240.0,
        clock: Clock::Fixed(Duration::from_secs(1) / 30),
        antialias: true,
        ..PreviewConfig::new(glb)
    };
    let failed = |error: animo_preview::prelude::PreviewError| {
        StudioError::new(error.code().unwrap_or(ErrorCode::Unavailable), error.to_string())
    };
    let (preview, frames) = HeadlessPreview::spawn(config).map_err(failed)?;
    preview.send(PreviewInput::PlaySlot(Slot::Idle)).map_err(failed)?;
    let frame = preview.wait_for_frame(&frames, POSTER_FRAMES - 1, POSTER_TIMEOUT).map_err(failed)?;
    drop(preview);
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, frame.width, frame.height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_source_srgb(png::SrgbRenderingIntent::Perceptual);
    let encoded = encoder.write_header().and_then(|mut writer| {
        writer.write_image_data(&frame.rgba)?;
        writer.finish()
    });
    encoded
        .map_err(|error| StudioError::new(ErrorCode::Internal, format!("the poster could not be encoded: {error}")))?;
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_avatar_renders_to_a_poster_png() {
        let png = render_poster(crate::avatar::DEMO_AVATAR.into(), None, 64).expect("rendered");
        let decoder = png::Decoder::new(std::io::Cursor::new(&png));
        let mut reader = decoder.read_info().expect("a PNG");
        assert_eq!(reader.info().size(), (64, 64));
        let mut pixels = vec![0; reader.output_buffer_size().expect("size")];
        reader.next_frame(&mut pixels).expect("pixels");
        let first = &pixels[..4];
        assert!(pixels.chunks(4).any(|pixel| pixel != first), "the poster is one flat colour");
    }
}
