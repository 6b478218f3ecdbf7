//! The avatar viewport: animo-preview's offscreen renderer running inside the
//! Studio process, its frames kept for the webview to pull as binary data.
//!
//! The webview asks for "the next frame after index N" over the `preview`
//! URI scheme and draws it when it arrives, then asks again. Pulling rather
//! than pushing gives flow control for free: a slow webview simply skips
//! frames and always draws the newest, and nothing queues up between the two
//! processes. Input goes the other way through commands, each with a sequence
//! number; every frame says which input it already shows, which is how the
//! input-to-frame latency is measured.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use animo_preview::prelude::{Frame, HeadlessPreview, PreviewConfig, PreviewError, PreviewEvent, PreviewInput};
use animo_studio_core::app::ViewportEvent;
use tokio::sync::watch;

/// Bytes before the pixels in a frame sent to the webview: width and height
/// (u32), the frame's index and the newest input it shows (u64), little endian.
pub const FRAME_HEADER_BYTES: usize = 24;

/// The most pixels a frame may have on a side; a larger canvas is rendered at
/// this size and scaled by the webview.
pub const MAX_SIDE: u32 = 2048;

/// A frame as the webview gets it.
#[derive(Debug, Clone)]
pub struct WireFrame {
    /// The frame's index, counting from the preview's start.
    pub index: u64,
    /// Header and pixels, ready to send.
    pub bytes: Arc<[u8]>,
}

impl WireFrame {
    /// Lays out a frame for the webview: the header, then the packed RGBA rows.
    pub fn encode(frame: &Frame, applied_input: u64) -> Self {
        let mut bytes = Vec::with_capacity(FRAME_HEADER_BYTES + frame.rgba.len());
        bytes.extend_from_slice(&frame.width.to_le_bytes());
        bytes.extend_from_slice(&frame.height.to_le_bytes());
        bytes.extend_from_slice(&frame.index.to_le_bytes());
        bytes.extend_from_slice(&applied_input.to_le_bytes());
        bytes.extend_from_slice(&frame.rgba);
        Self { index: frame.index, bytes: bytes.into() }
    }
}

/// What the preview reported, as the front-end hears it.
fn viewport_event(event: PreviewEvent) -> ViewportEvent {
    match event {
        PreviewEvent::Ready => ViewportEvent::Ready,
        PreviewEvent::Failed(PreviewError::Stopped(message)) => ViewportEvent::Stopped { message },
        PreviewEvent::Failed(error) => ViewportEvent::Failed { code: error.code(), message: error.to_string() },
        PreviewEvent::Clicked { point } => ViewportEvent::Clicked { point },
    }
}

/// Inputs sent but not yet shown in a frame: (sequence number, the first
/// frame index certain to show it).
#[derive(Debug, Default)]
struct InputLedger {
    /// The newest frame index the pump has seen.
    newest_frame: Option<u64>,
    pending: VecDeque<(u64, u64)>,
    /// The newest input every later frame shows.
    applied: u64,
}

impl InputLedger {
    /// An input is applied at the start of the preview's next update. The
    /// frame being rendered while it was sent may have started before it, so
    /// only the one after that is certain to show it.
    fn sent(&mut self, sequence: u64) {
        let first_showing = self.newest_frame.map_or(0, |newest| newest + 2);
        self.pending.push_back((sequence, first_showing));
    }

    fn frame(&mut self, index: u64) -> u64 {
        self.newest_frame = Some(index);
        while let Some(&(sequence, first_showing)) = self.pending.front() {
            if first_showing > index {
                break;
            }
            self.applied = self.applied.max(sequence);
            self.pending.pop_front();
        }
        self.applied
    }
}

/// The running preview and the newest frame, shared by commands, the URI
/// scheme handler and the pump thread.
#[derive(Debug)]
pub struct Viewport {
    inputs: Sender<PreviewInput>,
    ledger: Arc<Mutex<InputLedger>>,
    frames: watch::Receiver<Option<WireFrame>>,
    stop: Arc<AtomicBool>,
    pump: Option<JoinHandle<()>>,
}

impl Viewport {
    /// Starts the preview with `config` and a thread that moves its frames
    /// into the shared slot and its events to `on_event`.
    ///
    /// # Errors
    ///
    /// The preview's own: the avatar's inspection error or a bad mapping,
    /// before anything starts.
    pub fn start(
        config: PreviewConfig,
        on_event: impl Fn(ViewportEvent) + Send + 'static,
    ) -> Result<Self, PreviewError> {
        let (preview, frames) = HeadlessPreview::spawn(config)?;
        let inputs = preview.input_sender();
        let ledger = Arc::new(Mutex::new(InputLedger::default()));
        let (frame_sender, frame_receiver) = watch::channel(None);
        let stop = Arc::new(AtomicBool::new(false));
        let pump_ledger = Arc::clone(&ledger);
        let pump_stop = Arc::clone(&stop);
        let pump = std::thread::Builder::new()
            .name("animo-viewport".to_owned())
            .spawn(move || pump(preview, &frames, &frame_sender, &pump_ledger, &pump_stop, &on_event))
            .map_err(|error| PreviewError::Stopped(format!("could not start the viewport thread: {error}")))?;
        Ok(Self { inputs, ledger, frames: frame_receiver, stop, pump: Some(pump) })
    }

    /// Sends input; with a sequence number from the front-end, frames say
    /// once they show it.
    ///
    /// # Errors
    ///
    /// [`PreviewError::Stopped`] when the renderer has ended.
    pub fn send(&self, input: PreviewInput, sequence: Option<u64>) -> Result<(), PreviewError> {
        if let Some(sequence) = sequence {
            lock(&self.ledger).sent(sequence);
        }
        self.inputs.send(input).map_err(|_| PreviewError::Stopped("the renderer has ended".to_owned()))
    }

    /// The first frame whose index is above `after`, waiting up to `timeout`
    /// for it; `None` when none came (the caller asks again).
    pub async fn next_frame(&self, after: Option<u64>, timeout: Duration) -> Option<WireFrame> {
        let mut frames = self.frames.clone();
        let newer = |frame: &Option<WireFrame>| {
            frame.as_ref().is_some_and(|frame| after.is_none_or(|after| frame.index > after))
        };
        match tokio::time::timeout(timeout, frames.wait_for(newer)).await {
            Ok(Ok(frame)) => frame.clone(),
            // Timed out, or the pump ended: no frame this time.
            Ok(Err(_)) | Err(_) => None,
        }
    }
}

impl Drop for Viewport {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(pump) = self.pump.take() {
            // The pump reports its own failures as events.
            let _ = pump.join();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The ledger stays consistent through a panic elsewhere: every update is
    // a single assignment or queue operation.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn pump(
    preview: HeadlessPreview,
    frames: &Receiver<Frame>,
    latest: &watch::Sender<Option<WireFrame>>,
    ledger: &Mutex<InputLedger>,
    stop: &AtomicBool,
    on_event: &impl Fn(ViewportEvent),
) {
    while !stop.load(Ordering::Relaxed) {
        for event in preview.events().try_iter() {
            on_event(viewport_event(event));
        }
        match frames.recv_timeout(Duration::from_millis(50)) {
            Ok(frame) => {
                let applied = lock(ledger).frame(frame.index);
                latest.send_replace(Some(WireFrame::encode(&frame, applied)));
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                for event in preview.events().try_iter() {
                    on_event(viewport_event(event));
                }
                on_event(ViewportEvent::Stopped { message: "the renderer has ended".to_owned() });
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_laid_out_header_first() {
        let frame = Frame { width: 2, height: 1, rgba: vec![1, 2, 3, 4, 5, 6, 7, 8], index: 9 };
        let wire = WireFrame::encode(&frame, 7);
        assert_eq!(wire.index, 9);
        assert_eq!(wire.bytes.len(), FRAME_HEADER_BYTES + 8);
        assert_eq!(&wire.bytes[..4], &2_u32.to_le_bytes());
        assert_eq!(&wire.bytes[4..8], &1_u32.to_le_bytes());
        assert_eq!(&wire.bytes[8..16], &9_u64.to_le_bytes());
        assert_eq!(&wire.bytes[16..24], &7_u64.to_le_bytes());
        assert_eq!(&wire.bytes[24..], &[1, 2, 3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn an_input_counts_as_shown_two_frames_after_the_newest() {
        let mut ledger = InputLedger::default();
        assert_eq!(ledger.frame(10), 0);
        ledger.sent(1);
        // Frame 11 may have started rendering before the input arrived.
        assert_eq!(ledger.frame(11), 0);
        ledger.sent(2);
        assert_eq!(ledger.frame(12), 1);
        // Frames dropped by a slow host still count: 14 shows both.
        assert_eq!(ledger.frame(14), 2);
        assert!(ledger.pending.is_empty());
    }

    #[test]
    fn an_input_before_any_frame_is_shown_by_the_first() {
        let mut ledger = InputLedger::default();
        ledger.sent(5);
        assert_eq!(ledger.frame(0), 5);
    }
}
