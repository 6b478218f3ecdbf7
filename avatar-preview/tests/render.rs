//! Offscreen rendering on a real GPU driver (Mesa's software Vulkan in CI):
//! the avatar fills the centre of the frame, slots change the picture,
//! clicks on the avatar are reported, frames follow resizes. Every frame
//! checked is also written as a PNG to `$CARGO_TARGET_DIR/preview-artifacts/`
//! (`target/preview-artifacts/` by default) for a person to look at.

use std::path::PathBuf;
use std::time::Duration;

use animo_preview::prelude::*;
use animo_shared::avatar::mapping::{AnimationMapping, LoopMode};
use animo_shared::avatar::slots::Slot;
use std::sync::mpsc::Receiver;

const ROBOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/fixtures/avatars/RobotExpressive.glb");
const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../runtime-server/assets/demo-avatar.glb");
const WARM_UP: u64 = 100;
const TIMEOUT: Duration = Duration::from_secs(300);

/// `$CARGO_TARGET_DIR/preview-artifacts`, found from the test binary's path
/// (`<target>/debug/deps/render-…`).
fn artifacts() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let target = exe.ancestors().nth(3).expect("the binary lies in <target>/<profile>/deps").to_path_buf();
    let dir = target.join("preview-artifacts");
    std::fs::create_dir_all(&dir).expect("artifacts folder");
    dir
}

/// The suggested mapping with `slot` looping, so that after the warm-up it
/// still plays rather than having returned to idle.
fn looping(glb: &[u8], slot: Slot) -> AnimationMapping {
    let (_, mut mapping) = animo_preview::avatar::prepare(glb, None).expect("a usable avatar");
    mapping.slots.get_mut(&slot).expect("the slot is suggested a clip").loop_mode = LoopMode::Loop;
    mapping
}

fn start(path: &str, size: (u32, u32), slot: Slot) -> (HeadlessPreview, Receiver<Frame>) {
    let glb = std::fs::read(path).expect("avatar fixture");
    let config = PreviewConfig {
        mapping: Some(looping(&glb, slot)),
        width: size.0,
        height: size.1,
        max_fps: 240.0,
        clock: Clock::Fixed(Duration::from_secs(1) / 30),
        ..PreviewConfig::new(glb)
    };
    HeadlessPreview::spawn(config).expect("the preview starts")
}

/// The frame after the warm-up with `slot` playing, saved as `name`.png.
fn render(path: &str, slot: Slot, name: &str) -> Frame {
    let (preview, frames) = start(path, (320, 240), slot);
    preview.send(PreviewInput::PlaySlot(slot)).expect("send");
    let frame = preview.wait_for_frame(&frames, WARM_UP, TIMEOUT).expect("a frame after the warm-up");
    frame.write_png(&artifacts().join(format!("{name}.png"))).expect("write the artifact");
    frame
}

fn pixel(frame: &Frame, x: u32, y: u32) -> [u8; 4] {
    let at = ((y * frame.width + x) * 4) as usize;
    frame.rgba[at..at + 4].try_into().expect("four bytes")
}

fn differs(a: [u8; 4], b: [u8; 4]) -> bool {
    a.iter().zip(b).any(|(a, b)| a.abs_diff(b) > 12)
}

/// The avatar covers the centre: over a third of the pixels of the central
/// block (a fifth of the width and of the height) differ from the background,
/// read in the top left corner. A block rather than a point, as a pose may
/// put the gap between the legs right at the centre, and a slim avatar
/// leaves background on both sides of its torso.
fn assert_avatar_in_centre(frame: &Frame) {
    assert_eq!(frame.rgba.len(), (frame.width * frame.height * 4) as usize);
    let background = pixel(frame, 1, 1);
    assert!(
        background.iter().zip(BACKGROUND_SRGB).all(|(got, want)| got.abs_diff(want) <= 16),
        "the corner shows the background colour: {background:?}"
    );
    let (width, height) = (frame.width / 5, frame.height / 5);
    let (left, top) = ((frame.width - width) / 2, (frame.height - height) / 2);
    let covered = (left..left + width)
        .flat_map(|x| (top..top + height).map(move |y| (x, y)))
        .filter(|&(x, y)| differs(pixel(frame, x, y), background))
        .count();
    let total = (width * height) as usize;
    assert!(covered * 3 > total, "only {covered} of {total} centre pixels show the avatar");
}

const BACKGROUND_SRGB: [u8; 4] = [33, 36, 43, 255];

fn differing_pixels(a: &Frame, b: &Frame) -> usize {
    assert_eq!((a.width, a.height), (b.width, b.height));
    a.rgba
        .chunks_exact(4)
        .zip(b.rgba.chunks_exact(4))
        .filter(|(a, b)| a.iter().zip(*b).any(|(a, b)| a.abs_diff(*b) > 12))
        .count()
}

#[test]
fn the_demo_avatar_fills_the_centre_and_slots_change_the_picture() {
    let idle = render(DEMO, Slot::Idle, "demo-idle");
    assert_avatar_in_centre(&idle);
    let celebrating = render(DEMO, Slot::Celebrating, "demo-celebrating");
    assert_avatar_in_centre(&celebrating);
    let changed = differing_pixels(&idle, &celebrating);
    assert!(changed > 300, "idle and celebrating differ in only {changed} pixels");
}

#[test]
fn robot_expressive_fills_the_centre_and_slots_change_the_picture() {
    let idle = render(ROBOT, Slot::Idle, "robot-idle");
    assert_avatar_in_centre(&idle);
    // Wave, through the suggested mapping.
    let greeting = render(ROBOT, Slot::Greeting, "robot-greeting");
    assert_avatar_in_centre(&greeting);
    let changed = differing_pixels(&idle, &greeting);
    assert!(changed > 300, "idle and greeting differ in only {changed} pixels");
}

/// The points of the clicks the preview reports within 60 s of the first
/// one, and half a second more for any that comes later, keeping the frame
/// queue drained so that the preview keeps rendering.
fn clicks_reported(preview: &HeadlessPreview, frames: &Receiver<Frame>) -> Vec<[f32; 3]> {
    let mut clicked = Vec::new();
    let collect = |clicked: &mut Vec<[f32; 3]>| {
        let _frame = frames.recv_timeout(Duration::from_millis(100));
        clicked.extend(preview.events().try_iter().filter_map(|event| match event {
            PreviewEvent::Clicked { point } => Some(point),
            _ => None,
        }));
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while clicked.is_empty() && std::time::Instant::now() < deadline {
        collect(&mut clicked);
    }
    for _ in 0..5 {
        collect(&mut clicked);
    }
    clicked
}

#[test]
fn clicks_on_the_avatar_are_reported_and_clicks_beside_it_are_not() {
    let (preview, frames) = start(DEMO, (320, 240), Slot::Idle);
    preview.wait_for_frame(&frames, 10, TIMEOUT).expect("warm-up frames");
    preview.send(PreviewInput::ClickAt { x: 2.0, y: 2.0 }).expect("send");
    preview.send(PreviewInput::ClickAt { x: 160.0, y: 120.0 }).expect("send");
    let clicked = clicks_reported(&preview, &frames);
    assert_eq!(clicked.len(), 1, "the centre click hit, the corner click missed: {clicked:?}");
    // The demo avatar stands 1.62 m tall: the centre click hits its middle.
    assert!((0.3..1.4).contains(&clicked[0][1]), "hit at {:?}", clicked[0]);
}

#[test]
fn a_click_beside_the_head_inside_the_bounding_box_is_not_a_click_on_the_avatar() {
    let (preview, frames) = start(DEMO, (320, 240), Slot::Idle);
    let frame = preview.wait_for_frame(&frames, 10, TIMEOUT).expect("warm-up frames");
    let background = pixel(&frame, 1, 1);
    let avatar_at = |x: u32, y: u32| differs(pixel(&frame, x, y), background);
    // A few rows below the top of the head: the head there, and beside it
    // background that the avatar's bounding box (as wide as its arms) covers.
    let top = (0..frame.height).find(|&y| (0..frame.width).any(|x| avatar_at(x, y))).expect("the avatar shows");
    let row = top + 4;
    let head: Vec<u32> = (0..frame.width).filter(|&x| avatar_at(x, row)).collect();
    let (first, last) = (*head.first().expect("the head"), *head.last().expect("the head"));
    let beside = last + 12;
    assert!(!avatar_at(beside, row), "background beside the head");
    preview.send(PreviewInput::ClickAt { x: beside as f32 + 0.5, y: row as f32 + 0.5 }).expect("send");
    preview.send(PreviewInput::ClickAt { x: (first + last) as f32 / 2.0, y: row as f32 + 0.5 }).expect("send");
    let clicked = clicks_reported(&preview, &frames);
    assert_eq!(clicked.len(), 1, "the head was clicked, the background beside it was not: {clicked:?}");
    assert!(clicked[0][1] > 1.2, "the click hit high up, at {:?}", clicked[0]);
}

#[test]
fn frames_follow_a_resize() {
    let (preview, frames) = start(DEMO, (320, 240), Slot::Idle);
    let first = preview.wait_for_frame(&frames, 5, TIMEOUT).expect("frame");
    assert_eq!((first.width, first.height), (320, 240));
    preview.send(PreviewInput::Resize { width: 203, height: 150 }).expect("send");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let frame = preview.wait_for_frame(&frames, 0, TIMEOUT).expect("frame");
        if (frame.width, frame.height) == (203, 150) {
            // 203 pixels make rows the GPU pads; the host gets them packed.
            assert_eq!(frame.rgba.len(), 203 * 150 * 4);
            preview.send(PreviewInput::Resize { width: 320, height: 240 }).expect("send");
            let later = preview.wait_for_frame(&frames, frame.index + 40, TIMEOUT).expect("frame");
            frame.write_png(&artifacts().join("demo-resized.png")).expect("artifact");
            assert_avatar_in_centre(&later);
            return;
        }
        assert!(std::time::Instant::now() < deadline, "no frame at the new size");
    }
}

#[test]
fn a_file_that_is_not_a_glb_is_refused_before_anything_starts() {
    let error = HeadlessPreview::spawn(PreviewConfig::new(b"{\"asset\":{}}".to_vec())).expect_err("not a GLB");
    assert_eq!(error.code(), Some(animo_shared::ErrorCode::NotGlb));
}

#[test]
fn a_resize_sent_before_the_first_frame_sizes_every_frame() {
    let (preview, frames) = start(DEMO, (320, 240), Slot::Idle);
    // Sent while the preview's thread is still setting up the renderer, which
    // takes far longer than this.
    preview.send(PreviewInput::Resize { width: 160, height: 100 }).expect("send");
    let frame = preview.wait_for_frame(&frames, 0, TIMEOUT).expect("frame");
    assert_eq!((frame.width, frame.height, frame.rgba.len()), (160, 100, 160 * 100 * 4));
}
