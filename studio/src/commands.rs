//! The commands the front-end invokes. Each is glue: it reads its arguments,
//! calls one function of the avatar, viewport or session code, and answers
//! with that function's result or a [`CommandError`].

use std::sync::Arc;

use animo_preview::prelude::{CameraInput, PreviewConfig, PreviewInput};
use animo_shared::ErrorCode;
use animo_shared::avatar::mapping::{AnimationMapping, WidgetEvent};
use animo_shared::avatar::slots::Slot;
use animo_studio_core::app::{
    AvatarOpened, AvatarSource, SentenceReading, StudioInfo, ViewportEvent, ViewportInput, ViewportReported,
    ViewportSize,
};
use tauri::{AppHandle, State};

use crate::avatar::{DEMO_AVATAR, OpenAvatar, read_sentence};
use crate::error::CommandError;
use crate::viewport::{MAX_SIDE, Viewport};
use crate::{Studio, emit, lock};

#[tauri::command]
pub fn studio_info(studio: State<'_, Studio>) -> StudioInfo {
    StudioInfo { version: env!("CARGO_PKG_VERSION").to_owned(), bench: studio.bench_out.is_some() }
}

/// The first screen is drawn and answers input. The time since start is
/// printed once, for the start-up benchmark.
#[tauri::command]
pub fn ui_ready(studio: State<'_, Studio>) {
    let mut interactive = lock(&studio.interactive_after);
    if interactive.is_none() {
        let elapsed = studio.started.elapsed();
        *interactive = Some(elapsed);
        println!("studio: interactive after {} ms", elapsed.as_millis());
    }
}

/// Asks for a GLB file with the system's file dialog; `None` when cancelled.
#[tauri::command]
pub async fn avatar_choose_file(app: AppHandle) -> Result<Option<String>, CommandError> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    // GTK dialogs must run on the thread that runs GTK's loop.
    app.run_on_main_thread(move || {
        let picked =
            rfd::FileDialog::new().set_title("Choose an avatar").add_filter("glTF binary (.glb)", &["glb"]).pick_file();
        // The command may have been abandoned meanwhile; nobody is left to tell.
        let _ = sender.send(picked);
    })
    .map_err(|error| CommandError::new(ErrorCode::Internal, format!("could not open the file dialog: {error}")))?;
    let picked = receiver
        .await
        .map_err(|_| CommandError::new(ErrorCode::Internal, "the file dialog closed without an answer"))?;
    Ok(picked.map(|path| path.display().to_string()))
}

/// The viewport's size as (width, height), or `invalid_request` when a side
/// is outside 1 to [`MAX_SIDE`] pixels.
pub(crate) fn checked_size(size: ViewportSize) -> Result<(u32, u32), CommandError> {
    size.within(MAX_SIDE).ok_or_else(|| {
        CommandError::new(
            ErrorCode::InvalidRequest,
            format!("the viewport must be 1 to {MAX_SIDE} pixels on each side, not {}×{}", size.width, size.height),
        )
    })
}

/// Opens an avatar: inspects it, suggests a mapping and shows it in the
/// viewport (starting the renderer the first time). With `mapping` (a bot's
/// own) that mapping is used instead of the suggestion, adapted where it
/// names clips or morph targets this avatar lacks; the answer lists those
/// slots.
#[tauri::command]
pub async fn avatar_open(
    app: AppHandle,
    studio: State<'_, Studio>,
    core: State<'_, animo_studio_core::Studio>,
    source: AvatarSource,
    size: ViewportSize,
    mapping: Option<AnimationMapping>,
) -> Result<AvatarOpened, CommandError> {
    let (width, height) = checked_size(size)?;
    let (name, bytes) = match source {
        AvatarSource::Demo => ("demo-avatar.glb".to_owned(), DEMO_AVATAR.to_vec()),
        AvatarSource::File { path } => {
            let bytes = tokio::fs::read(&path).await.map_err(|error| {
                CommandError::new(ErrorCode::InvalidRequest, format!("could not read {path}: {error}"))
            })?;
            let name = std::path::Path::new(&path)
                .file_name()
                .map_or_else(|| path.clone(), |name| name.to_string_lossy().into_owned());
            (name, bytes)
        }
        AvatarSource::Server { avatar_id, name } => (name, core.avatar_model(&avatar_id).await?.to_vec()),
    };
    // Inspection walks the whole file: off the async threads.
    let mut avatar = tauri::async_runtime::spawn_blocking(move || OpenAvatar::inspect(name, bytes))
        .await
        .map_err(|error| CommandError::new(ErrorCode::Internal, format!("inspection stopped: {error}")))??;
    let adjusted = mapping.map(|mapping| avatar.adopt_mapping(&mapping)).unwrap_or_default();
    show(&app, &studio, &avatar, width, height)?;
    let opened = avatar.opened(adjusted);
    *lock(&studio.avatar) = Some(avatar);
    Ok(opened)
}

/// Shows `avatar` in the running viewport, or starts one for it.
pub(crate) fn show(
    app: &AppHandle,
    studio: &Studio,
    avatar: &OpenAvatar,
    width: u32,
    height: u32,
) -> Result<(), CommandError> {
    let mut slot = lock(&studio.viewport);
    if let Some(viewport) = slot.as_ref() {
        let load = PreviewInput::LoadAvatar { glb: Arc::clone(&avatar.glb), mapping: Some(avatar.mapping.clone()) };
        let resized = viewport.send(PreviewInput::Resize { width, height }, None);
        if resized.is_ok() && viewport.send(load, None).is_ok() {
            return Ok(());
        }
        // The renderer has stopped; a new one takes its place below.
    }
    let mut config = PreviewConfig::new(Arc::clone(&avatar.glb));
    config.mapping = Some(avatar.mapping.clone());
    config.width = width;
    config.height = height;
    config.max_fps = max_fps();
    // A live stream renders without multisampling unless asked: it costs a
    // third of the frame rate and more on a software renderer, which is what
    // machines without a GPU (and CI) have.
    config.antialias = std::env::var_os("ANIMO_STUDIO_ANTIALIAS").is_some();
    let events = app.clone();
    let viewport = Viewport::start(config, move |event: ViewportEvent| {
        // A window that is closing no longer listens.
        let _ = emit::<ViewportReported>(&events, &event);
    })?;
    *slot = Some(Arc::new(viewport));
    Ok(())
}

/// The viewport's frame rate cap: 30 by default, `ANIMO_STUDIO_MAX_FPS` to
/// change it.
fn max_fps() -> f32 {
    std::env::var("ANIMO_STUDIO_MAX_FPS")
        .ok()
        .and_then(|value| value.parse::<f32>().ok())
        .filter(|fps| fps.is_finite() && *fps >= 1.0)
        .unwrap_or(30.0)
}

/// The renderer's input for the front-end's, refusing numbers it cannot use.
fn preview_input(input: ViewportInput) -> Result<PreviewInput, CommandError> {
    let finite = |values: &[f32]| values.iter().all(|value| value.is_finite());
    let invalid = |what: &str| CommandError::new(ErrorCode::InvalidRequest, what.to_owned());
    Ok(match input {
        ViewportInput::Orbit { yaw, pitch } if finite(&[yaw, pitch]) => {
            PreviewInput::Camera(CameraInput::Orbit { yaw, pitch })
        }
        ViewportInput::Orbit { .. } => return Err(invalid("orbit angles must be finite numbers")),
        ViewportInput::Zoom { factor } if factor.is_finite() && factor > 0.0 => {
            PreviewInput::Camera(CameraInput::Zoom(factor))
        }
        ViewportInput::Zoom { .. } => return Err(invalid("the zoom factor must be a positive number")),
        ViewportInput::ResetCamera => PreviewInput::Camera(CameraInput::Reset),
        ViewportInput::Click { x, y } if finite(&[x, y]) => PreviewInput::ClickAt { x, y },
        ViewportInput::Click { .. } => return Err(invalid("a click needs finite coordinates")),
        ViewportInput::Resize { width, height } => {
            let (width, height) = checked_size(ViewportSize { width, height })?;
            PreviewInput::Resize { width, height }
        }
        ViewportInput::PlaySlot { slot } => PreviewInput::PlaySlot(slot),
        ViewportInput::PlayClip { clip } => PreviewInput::PlayClip(clip),
    })
}

fn running_viewport(studio: &Studio) -> Result<Arc<Viewport>, CommandError> {
    lock(&studio.viewport)
        .clone()
        .ok_or_else(|| CommandError::new(ErrorCode::Conflict, "open an avatar first: the viewport is not running"))
}

/// Sends input to the viewport, numbered so that frames can say when they
/// show it.
#[tauri::command]
pub fn viewport_input(studio: State<'_, Studio>, input: ViewportInput, sequence: u64) -> Result<(), CommandError> {
    let input = preview_input(input)?;
    running_viewport(&studio)?.send(input, Some(sequence))?;
    Ok(())
}

/// Replaces the mapping after checking it against the open avatar.
#[tauri::command]
pub fn mapping_set(studio: State<'_, Studio>, mapping: AnimationMapping) -> Result<(), CommandError> {
    let mut avatar = lock(&studio.avatar);
    let open = avatar.as_mut().ok_or_else(|| CommandError::new(ErrorCode::Conflict, "open an avatar first"))?;
    open.check_mapping(&mapping)?;
    running_viewport(&studio)?.send(PreviewInput::SetMapping(mapping.clone()), None)?;
    open.mapping = mapping;
    Ok(())
}

/// Reads a sentence's emotion and plays the slot the mapping gives for it.
#[tauri::command]
pub fn sentence_play(studio: State<'_, Studio>, text: String) -> Result<SentenceReading, CommandError> {
    let avatar = lock(&studio.avatar);
    let open = avatar.as_ref().ok_or_else(|| CommandError::new(ErrorCode::Conflict, "open an avatar first"))?;
    let reading = read_sentence(&text, &open.mapping);
    running_viewport(&studio)?.send(PreviewInput::PlaySlot(reading.slot), None)?;
    Ok(reading)
}

/// Plays what the mapping's event rules give for a widget event; the slot
/// played, or `None` when the event has no rule.
#[tauri::command]
pub fn widget_event(studio: State<'_, Studio>, event: WidgetEvent) -> Result<Option<Slot>, CommandError> {
    let avatar = lock(&studio.avatar);
    let open = avatar.as_ref().ok_or_else(|| CommandError::new(ErrorCode::Conflict, "open an avatar first"))?;
    let Some(slot) = open.slot_for_event(event) else { return Ok(None) };
    running_viewport(&studio)?.send(PreviewInput::PlaySlot(slot), None)?;
    Ok(Some(slot))
}

/// Ends a benchmark run: writes the front-end's measurements, with the start-up
/// time, to the file named by the benchmark variable, and quits.
#[tauri::command]
pub fn bench_finish(app: AppHandle, studio: State<'_, Studio>, report: serde_json::Value) -> Result<(), CommandError> {
    let Some(out) = studio.bench_out.as_ref() else {
        return Err(CommandError::new(ErrorCode::Conflict, "this run is not a benchmark"));
    };
    let interactive_ms = lock(&studio.interactive_after).map(|elapsed| elapsed.as_secs_f64() * 1000.0);
    let figures = serde_json::json!({ "interactive_ms": interactive_ms, "viewport": report });
    let text = serde_json::to_string_pretty(&figures)
        .map_err(|error| CommandError::new(ErrorCode::Internal, format!("could not write the figures: {error}")))?;
    std::fs::write(out, text).map_err(|error| {
        CommandError::new(ErrorCode::Internal, format!("could not write {}: {error}", out.display()))
    })?;
    app.exit(0);
    Ok(())
}
