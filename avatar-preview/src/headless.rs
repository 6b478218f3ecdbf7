//! The preview without a window: the Bevy app runs on its own thread,
//! renders into an image, reads it back from the GPU and hands the host
//! tightly packed RGBA frames through a channel; input goes the other way.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender, TryRecvError, TrySendError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use animo_shared::avatar::mapping::AnimationMapping;
use animo_shared::avatar::slots::Slot;
use bevy::app::TerminalCtrlCHandlerPlugin;
use bevy::asset::RenderAssetUsages;
use bevy::camera::RenderTarget;
use bevy::log::LogPlugin;
use bevy::prelude::*;
use bevy::render::RenderPlugin;
use bevy::render::gpu_readback::{Readback, ReadbackComplete};
use bevy::render::pipelined_rendering::PipelinedRenderingPlugin;
use bevy::render::render_resource::{Extent3d, PollType, TextureDimension, TextureFormat, TextureUsages};
use bevy::render::renderer::RenderDevice;
use bevy::time::TimeUpdateStrategy;
use bevy::window::ExitCondition;
use bevy::winit::WinitPlugin;

use crate::AvatarPreviewPlugin;
use crate::avatar::{AvatarReady, LoadAvatar, PreviewFailed, SetMapping};
use crate::camera::{AvatarClicked, CameraInput, ClickAt, OrbitCamera};
use crate::error::PreviewError;
use crate::playback::{PlayClip, PlaySlot};

/// How time advances in the preview.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Clock {
    /// Animations run at wall-clock speed whatever the frame rate: for a
    /// person watching.
    RealTime,
    /// Every frame advances time by this much: for reproducible frames, such
    /// as a screenshot after N frames.
    Fixed(Duration),
}

/// What to show and how.
#[derive(Debug, Clone)]
pub struct PreviewConfig {
    /// The GLB file's bytes.
    pub glb: Arc<[u8]>,
    /// The mapping; `None` uses the one suggested from the clip names.
    pub mapping: Option<AnimationMapping>,
    /// Frame width in pixels.
    pub width: u32,
    /// Frame height in pixels.
    pub height: u32,
    /// The most frames per second to render and hand over.
    pub max_fps: f32,
    /// How time advances.
    pub clock: Clock,
    /// Smooth edges with 4× multisampling: nearly free on a GPU, but on a
    /// software renderer it costs a third of the frame rate and more (about
    /// half for RobotExpressive), so a live stream goes without it and a
    /// single picture (a screenshot, a poster) turns it on.
    pub antialias: bool,
}

impl PreviewConfig {
    /// A live stream: 640×480 at up to 30 frames per second in real time,
    /// without multisampling, with the suggested mapping.
    pub fn new(glb: impl Into<Arc<[u8]>>) -> Self {
        Self {
            glb: glb.into(),
            mapping: None,
            width: 640,
            height: 480,
            max_fps: 30.0,
            clock: Clock::RealTime,
            antialias: false,
        }
    }
}

/// Input from the host.
#[derive(Debug, Clone)]
pub enum PreviewInput {
    /// Play a slot through the mapping.
    PlaySlot(Slot),
    /// Audition one clip.
    PlayClip(String),
    /// Replace the mapping.
    SetMapping(AnimationMapping),
    /// Show another avatar.
    LoadAvatar {
        /// Its GLB bytes.
        glb: Arc<[u8]>,
        /// Its mapping; `None` for the suggested one.
        mapping: Option<AnimationMapping>,
    },
    /// Orbit, zoom or reset the camera.
    Camera(CameraInput),
    /// A click at this pixel of the frame, from its top left corner.
    ClickAt {
        /// Pixels from the left.
        x: f32,
        /// Pixels from the top.
        y: f32,
    },
    /// Render frames of this size from now on.
    Resize {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
}

/// What happened in the preview, for the host.
#[derive(Debug, Clone, PartialEq)]
pub enum PreviewEvent {
    /// The avatar is loaded and playing.
    Ready,
    /// A request failed; the preview goes on.
    Failed(PreviewError),
    /// A click hit the avatar at this point (world space).
    Clicked {
        /// x, y and z.
        point: [f32; 3],
    },
}

/// One rendered frame: `width × height` pixels of RGBA8 (sRGB), rows top to
/// bottom with no padding.
#[derive(Clone, PartialEq, Eq)]
pub struct Frame {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 4` bytes.
    pub rgba: Vec<u8>,
    /// Counts frames read back since the start; a gap means the host was too
    /// slow and frames were dropped.
    pub index: u64,
}

impl Frame {
    /// Writes the frame as an 8-bit RGBA PNG.
    ///
    /// # Errors
    ///
    /// When the file cannot be created or written.
    pub fn write_png(&self, path: &std::path::Path) -> std::io::Result<()> {
        let file = std::io::BufWriter::new(std::fs::File::create(path)?);
        let mut encoder = png::Encoder::new(file, self.width, self.height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_source_srgb(png::SrgbRenderingIntent::Perceptual);
        let mut writer = encoder.write_header().map_err(std::io::Error::other)?;
        writer.write_image_data(&self.rgba).map_err(std::io::Error::other)?;
        writer.finish().map_err(std::io::Error::other)
    }
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frame")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("index", &self.index)
            .finish()
    }
}

/// A running offscreen preview. Dropping it stops the thread.
#[derive(Debug)]
pub struct HeadlessPreview {
    inputs: Sender<PreviewInput>,
    events: Receiver<PreviewEvent>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// Frames waiting for the host; more are dropped rather than queued, so a
/// slow host sees the newest frames, not a growing backlog.
const FRAME_QUEUE: usize = 2;

impl HeadlessPreview {
    /// Checks the avatar and the mapping, then starts the preview on its own
    /// thread. Frames arrive on the returned receiver.
    ///
    /// # Errors
    ///
    /// The avatar's inspection error, or [`PreviewError::Mapping`], before
    /// any thread starts; [`PreviewError::Stopped`] if the thread cannot start.
    pub fn spawn(config: PreviewConfig) -> Result<(Self, Receiver<Frame>), PreviewError> {
        crate::avatar::prepare(&config.glb, config.mapping.clone())?;
        let (input_sender, input_receiver) = mpsc::channel();
        let (event_sender, event_receiver) = mpsc::channel();
        let (frame_sender, frame_receiver) = mpsc::sync_channel(FRAME_QUEUE);
        let stop = Arc::new(AtomicBool::new(false));
        let thread_stop = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("animo-preview".to_owned())
            .spawn(move || {
                let failure_sender = event_sender.clone();
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    run(config, &input_receiver, frame_sender, event_sender, &thread_stop);
                }));
                if let Err(panic) = outcome {
                    let reason = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|text| (*text).to_owned()))
                        .unwrap_or_else(|| "the renderer failed".to_owned());
                    // The host may be gone already; then nobody is left to tell.
                    let _ = failure_sender.send(PreviewEvent::Failed(PreviewError::Stopped(reason)));
                }
            })
            .map_err(|error| PreviewError::Stopped(format!("could not start the preview thread: {error}")))?;
        Ok((Self { inputs: input_sender, events: event_receiver, stop, thread: Some(thread) }, frame_receiver))
    }

    /// Sends input to the preview.
    ///
    /// # Errors
    ///
    /// [`PreviewError::Stopped`] when the preview's thread has ended.
    pub fn send(&self, input: PreviewInput) -> Result<(), PreviewError> {
        self.inputs.send(input).map_err(|_| PreviewError::Stopped("the preview thread has ended".to_owned()))
    }

    /// A sender for input, for hosts that feed input from another thread.
    pub fn input_sender(&self) -> Sender<PreviewInput> {
        self.inputs.clone()
    }

    /// What happened: ready, failures, clicks on the avatar.
    pub fn events(&self) -> &Receiver<PreviewEvent> {
        &self.events
    }

    /// Waits for the first frame whose index is at least `index`, for tools
    /// and tests that want one frame rather than a stream. Events that arrive
    /// meanwhile are consumed: a failure ends the wait with its error, the
    /// others are dropped.
    ///
    /// # Errors
    ///
    /// The first [`PreviewEvent::Failed`]; [`PreviewError::Stopped`] when the
    /// thread ends or no such frame comes within `timeout`.
    pub fn wait_for_frame(
        &self,
        frames: &Receiver<Frame>,
        index: u64,
        timeout: Duration,
    ) -> Result<Frame, PreviewError> {
        let deadline = Instant::now() + timeout;
        loop {
            for event in self.events.try_iter() {
                if let PreviewEvent::Failed(error) = event {
                    return Err(error);
                }
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(PreviewError::Stopped(format!("no frame {index} within {} s", timeout.as_secs_f32())));
            }
            match frames.recv_timeout(remaining.min(Duration::from_millis(100))) {
                Ok(frame) if frame.index >= index => return Ok(frame),
                Ok(_) | Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let failure = self.events.try_iter().find_map(|event| match event {
                        PreviewEvent::Failed(error) => Some(error),
                        _ => None,
                    });
                    return Err(failure.unwrap_or_else(|| PreviewError::Stopped("the preview thread ended".to_owned())));
                }
            }
        }
    }
}

impl Drop for HeadlessPreview {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            // A panic there was already reported as an event.
            let _ = thread.join();
        }
    }
}

/// The offscreen image the camera renders into, and its size.
#[derive(Resource, Debug)]
struct Offscreen {
    image: Handle<Image>,
    size: UVec2,
}

/// Where frames and events go.
#[derive(Resource)]
struct HostChannels {
    frames: SyncSender<Frame>,
    events: Sender<PreviewEvent>,
    next_index: u64,
}

/// The last frame handed to the host: what the person clicking sees.
#[derive(Resource, Default)]
struct LastFrame {
    size: UVec2,
    rgba: Vec<u8>,
}

impl LastFrame {
    /// Whether the pixel at `x`, `y` shows the background: a click there
    /// passed beside the avatar, even where it is inside its bounding box
    /// (between the arms, beside the head). `false` when there is no such
    /// pixel (no frame yet, or one of another size), so that the bounding box
    /// alone decides.
    fn shows_background(&self, x: f32, y: f32) -> bool {
        if !(x >= 0.0 && y >= 0.0) {
            return false;
        }
        // Float to integer casts saturate; both are whole pixels from here.
        let (column, row) = (x as usize, y as usize);
        let (width, height) = (self.size.x as usize, self.size.y as usize);
        if column >= width || row >= height {
            return false;
        }
        let start = (row * width + column) * 4;
        let Some(pixel) = self.rgba.get(start..start + 3) else { return false };
        let background = crate::camera::BACKGROUND.to_srgba().to_u8_array();
        pixel.iter().zip(background).all(|(shown, clear)| shown.abs_diff(clear) <= 2)
    }
}

fn run(
    config: PreviewConfig,
    inputs: &Receiver<PreviewInput>,
    frames: SyncSender<Frame>,
    events: Sender<PreviewEvent>,
    stop: &AtomicBool,
) {
    let interval = Duration::from_secs_f32(1.0 / config.max_fps.clamp(1.0, 240.0));
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin { primary_window: None, exit_condition: ExitCondition::DontExit, ..default() })
            // Pipelines compile before the first frame, so that the first
            // frame handed over already shows the avatar.
            .set(RenderPlugin { synchronous_pipeline_compilation: true, ..default() })
            // The host owns the loop, the thread, the logging and Ctrl-C.
            .disable::<WinitPlugin>()
            .disable::<LogPlugin>()
            .disable::<TerminalCtrlCHandlerPlugin>()
            // A frame is read back in the update that renders it rather than
            // one later, which keeps a frame's index equal to its update.
            .disable::<PipelinedRenderingPlugin>(),
    )
    .add_plugins(AvatarPreviewPlugin)
    .insert_resource(HostChannels { frames, events, next_index: 0 })
    .init_resource::<LastFrame>()
    .add_systems(Startup, attach_offscreen_target.after(crate::camera::spawn_camera_and_lights))
    .add_systems(Last, forward_events);
    if let Clock::Fixed(step) = config.clock {
        app.insert_resource(TimeUpdateStrategy::ManualDuration(step));
    }
    app.insert_resource(OffscreenRequest {
        size: UVec2::new(config.width.max(1), config.height.max(1)),
        msaa: if config.antialias { Msaa::Sample4 } else { Msaa::Off },
    });
    app.finish();
    app.cleanup();
    app.world_mut().write_message(LoadAvatar { glb: config.glb, mapping: config.mapping });

    // Frames start on a fixed schedule, one interval apart, rather than
    // after sleeping the rest of each interval: oversleeping and an
    // occasional slow frame would otherwise lower the rate below the one
    // asked for even when the renderer has time to spare.
    let mut next_frame = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        loop {
            match inputs.try_recv() {
                Ok(input) => apply_input(app.world_mut(), input),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return,
            }
        }
        app.update();
        // Wait for the GPU so that this frame's readback completes before the
        // next update hands it over.
        let device = app.world().resource::<RenderDevice>().wgpu_device().clone();
        if let Err(error) = device.poll(PollType::Wait { submission_index: None, timeout: None }) {
            warn!("waiting for the GPU failed: {error}");
        }
        next_frame += interval;
        let now = Instant::now();
        if next_frame > now {
            std::thread::sleep(next_frame - now);
        } else if now - next_frame > interval {
            // More than a frame behind: start the schedule again from now
            // rather than rendering a burst to catch up.
            next_frame = now;
        }
    }
}

#[derive(Resource, Debug)]
struct OffscreenRequest {
    size: UVec2,
    msaa: Msaa,
}

fn apply_input(world: &mut World, input: PreviewInput) {
    match input {
        PreviewInput::PlaySlot(slot) => {
            world.write_message(PlaySlot(slot));
        }
        PreviewInput::PlayClip(clip) => {
            world.write_message(PlayClip(clip));
        }
        PreviewInput::SetMapping(mapping) => {
            world.write_message(SetMapping(mapping));
        }
        PreviewInput::LoadAvatar { glb, mapping } => {
            world.write_message(LoadAvatar { glb, mapping });
        }
        PreviewInput::Camera(input) => {
            world.write_message(input);
        }
        PreviewInput::ClickAt { x, y } => {
            if world.get_resource::<LastFrame>().is_some_and(|last| last.shows_background(x, y)) {
                return;
            }
            world.write_message(ClickAt(Vec2::new(x, y)));
        }
        PreviewInput::Resize { width, height } => resize(world, UVec2::new(width.max(1), height.max(1))),
    }
}

fn offscreen_image(size: UVec2) -> Image {
    let mut image = Image::new_uninit(
        Extent3d { width: size.x, height: size.y, depth_or_array_layers: 1 },
        TextureDimension::D2,
        TextureFormat::Rgba8UnormSrgb,
        RenderAssetUsages::RENDER_WORLD,
    );
    image.texture_descriptor.usage |= TextureUsages::RENDER_ATTACHMENT | TextureUsages::COPY_SRC;
    image
}

fn attach_offscreen_target(
    mut commands: Commands,
    request: Res<OffscreenRequest>,
    mut images: ResMut<Assets<Image>>,
    cameras: Query<Entity, With<OrbitCamera>>,
) {
    let image = images.add(offscreen_image(request.size));
    for camera in &cameras {
        commands.entity(camera).insert((RenderTarget::from(image.clone()), request.msaa));
    }
    commands.spawn((Name::new("frame readback"), Readback::texture(image.clone()))).observe(hand_over_frame);
    commands.insert_resource(Offscreen { image, size: request.size });
}

fn resize(world: &mut World, size: UVec2) {
    let Some(mut offscreen) = world.get_resource_mut::<Offscreen>() else {
        // Before the first update the target does not exist yet: it will be
        // made at the new size.
        if let Some(mut request) = world.get_resource_mut::<OffscreenRequest>() {
            request.size = size;
        }
        return;
    };
    if offscreen.size == size {
        return;
    }
    offscreen.size = size;
    let handle = offscreen.image.clone();
    if let Some(mut image) = world.resource_mut::<Assets<Image>>().get_mut(&handle) {
        image.resize(Extent3d { width: size.x, height: size.y, depth_or_array_layers: 1 });
    }
}

/// The GPU copies rows padded to 256 bytes; the host gets them packed.
fn hand_over_frame(
    readback: On<ReadbackComplete>,
    offscreen: Res<Offscreen>,
    mut host: ResMut<HostChannels>,
    mut last: ResMut<LastFrame>,
) {
    let Some(rgba) = unpad_rows(&readback.data, offscreen.size) else {
        // A frame rendered at the size before a resize; the next one fits.
        return;
    };
    last.size = offscreen.size;
    last.rgba.clone_from(&rgba);
    let frame = Frame { width: offscreen.size.x, height: offscreen.size.y, rgba, index: host.next_index };
    host.next_index += 1;
    match host.frames.try_send(frame) {
        Ok(()) | Err(TrySendError::Full(_)) => {}
        // The host stopped listening for frames; events may still matter to it.
        Err(TrySendError::Disconnected(_)) => {}
    }
}

/// Packs rows of `size.x` RGBA8 pixels that the GPU padded to a multiple of
/// 256 bytes; `None` when `data` does not hold `size.y` such rows.
pub fn unpad_rows(data: &[u8], size: UVec2) -> Option<Vec<u8>> {
    let row = usize::try_from(size.x).ok()? * 4;
    let rows = usize::try_from(size.y).ok()?;
    let padded = row.div_ceil(256) * 256;
    if data.len() != padded * rows {
        return None;
    }
    let mut packed = Vec::with_capacity(row * rows);
    for chunk in data.chunks_exact(padded) {
        packed.extend_from_slice(&chunk[..row]);
    }
    Some(packed)
}

fn forward_events(
    mut ready: MessageReader<AvatarReady>,
    mut failed: MessageReader<PreviewFailed>,
    mut clicked: MessageReader<AvatarClicked>,
    host: Res<HostChannels>,
) {
    let events = ready
        .read()
        .map(|_| PreviewEvent::Ready)
        .chain(failed.read().map(|PreviewFailed(error)| PreviewEvent::Failed(error.clone())))
        .chain(clicked.read().map(|clicked| PreviewEvent::Clicked { point: clicked.point.to_array() }));
    for event in events {
        // A host that dropped the event receiver does not want events.
        let _ = host.events.send(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_click_on_the_background_of_the_last_frame_is_told_apart() {
        let clear = crate::camera::BACKGROUND.to_srgba().to_u8_array();
        // 2×2: background, avatar; avatar, background off by one step.
        let mut rgba = Vec::new();
        rgba.extend_from_slice(&clear);
        rgba.extend_from_slice(&[200, 120, 40, 255]);
        rgba.extend_from_slice(&[90, 90, 90, 255]);
        rgba.extend_from_slice(&[clear[0] + 1, clear[1], clear[2].saturating_sub(1), 255]);
        let last = LastFrame { size: UVec2::new(2, 2), rgba };
        assert!(last.shows_background(0.2, 0.9));
        assert!(!last.shows_background(1.5, 0.5));
        assert!(!last.shows_background(0.0, 1.0));
        assert!(last.shows_background(1.99, 1.99));
        // No such pixel: the bounding box decides.
        for (x, y) in [(-1.0, 0.0), (2.0, 0.0), (0.0, 2.0), (f32::NAN, 0.0), (f32::INFINITY, 1.0)] {
            assert!(!last.shows_background(x, y), "{x}, {y}");
        }
        assert!(!LastFrame::default().shows_background(0.0, 0.0));
    }

    #[test]
    fn rows_are_unpadded() {
        // 3 pixels = 12 bytes per row, padded to 256.
        let mut data = vec![0_u8; 256 * 2];
        data[..12].copy_from_slice(&[1; 12]);
        data[256..268].copy_from_slice(&[2; 12]);
        let packed = unpad_rows(&data, UVec2::new(3, 2)).expect("two padded rows");
        assert_eq!(packed, [[1_u8; 12], [2; 12]].concat());
        assert_eq!(unpad_rows(&data, UVec2::new(3, 3)), None);
        // 64 pixels fill 256 bytes exactly: no padding.
        assert_eq!(unpad_rows(&[7; 256 * 2], UVec2::new(64, 2)).map(|packed| packed.len()), Some(512));
    }
}
