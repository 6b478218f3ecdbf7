//! The `animo-preview` binary: `--inspect`, `--headless --screenshot`, and
//! clear coded refusals of bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ROBOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/fixtures/avatars/RobotExpressive.glb");
const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../runtime-server/assets/demo-avatar.glb");

fn preview(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_animo-preview")).args(args).output().expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.ancestors().nth(3).expect("<target>/<profile>/deps").join("preview-artifacts");
    std::fs::create_dir_all(&dir).expect("artifacts folder");
    dir.join(name)
}

fn write(name: &str, contents: &str) -> PathBuf {
    let path = scratch(name);
    std::fs::write(&path, contents).expect("write scratch file");
    path
}

#[test]
fn inspect_prints_the_report_as_json() {
    let output = preview(&[ROBOT, "--inspect"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(report["clips"].as_array().map(Vec::len), Some(14));
    assert_eq!(report["morph_targets"][0]["targets"], serde_json::json!(["Angry", "Surprised", "Sad"]));
}

#[test]
fn headless_writes_a_png_of_the_requested_size() {
    let out = scratch("cli-demo-greeting.png");
    let _ = std::fs::remove_file(&out);
    let output = preview(&[
        DEMO,
        "--headless",
        "--slot",
        "greeting",
        "--frames",
        "30",
        "--size",
        "256x192",
        "--screenshot",
        out.to_str().expect("utf-8 path"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&out).expect("png written")));
    let reader = decoder.read_info().expect("a PNG");
    let info = reader.info();
    assert_eq!((info.width, info.height), (256, 192));
    assert_eq!(info.color_type, png::ColorType::Rgba);
}

#[test]
fn headless_uses_a_mapping_file() {
    let mapping = write("cli-mapping.json", r#"{"slots":{"idle":{"clip":"Idle"},"happy":{"clip":"Dance"}}}"#);
    let out = scratch("cli-robot-happy.png");
    let output = preview(&[
        ROBOT,
        "--headless",
        "--slot",
        "laughing",
        "--frames",
        "10",
        "--size",
        "160x120",
        "--mapping",
        mapping.to_str().expect("utf-8"),
        "--screenshot",
        out.to_str().expect("utf-8"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(out.exists());
}

fn assert_refused(args: &[&str], expected: &[&str]) {
    let output = preview(args);
    assert!(!output.status.success(), "{args:?} should fail");
    let message = stderr(&output);
    assert!(!message.contains("panicked"), "{message}");
    for part in expected {
        assert!(message.contains(part), "{message:?} should mention {part:?}");
    }
}

#[test]
fn bad_input_is_refused_with_a_clear_message() {
    let out = scratch("never.png");
    let out = out.to_str().expect("utf-8");
    assert_refused(&["/no/such/avatar.glb", "--inspect"], &["could not read /no/such/avatar.glb"]);
    let not_glb = write("not-a-glb.glb", "{\"asset\":{\"version\":\"2.0\"}}");
    let not_glb = not_glb.to_str().expect("utf-8");
    assert_refused(&[not_glb, "--inspect"], &["not_glb"]);
    assert_refused(&[not_glb, "--headless", "--screenshot", out], &["not_glb"]);
    assert_refused(
        &[DEMO, "--headless", "--slot", "moonwalk", "--screenshot", out],
        &["invalid_request", "moonwalk", "idle"],
    );
    assert_refused(&[DEMO, "--headless", "--size", "big", "--screenshot", out], &["invalid_request", "--size"]);
    let bad_json = write("bad-mapping.json", "{\"slots\": [");
    assert_refused(
        &[DEMO, "--headless", "--mapping", bad_json.to_str().expect("utf-8"), "--screenshot", out],
        &["invalid_request", "bad-mapping.json"],
    );
    let missing_clip = write("missing-clip.json", r#"{"slots":{"idle":{"clip":"Moonwalk"}}}"#);
    assert_refused(
        &[DEMO, "--headless", "--mapping", missing_clip.to_str().expect("utf-8"), "--screenshot", out],
        &["mapping_invalid", "Moonwalk"],
    );
    assert!(!Path::new(out).exists(), "nothing was written");
}

#[test]
fn the_window_opens_with_its_panel_and_shows_the_avatar() {
    let out = scratch("window-demo-greeting.png");
    let _ = std::fs::remove_file(&out);
    let binary = env!("CARGO_BIN_EXE_animo-preview");
    let args = [DEMO, "--slot", "greeting", "--frames", "60", "--screenshot", out.to_str().expect("utf-8")];
    // A real window needs an X server: the test brings a virtual one when the
    // environment has none.
    let output = if std::env::var_os("DISPLAY").is_some() {
        Command::new(binary).args(args).output()
    } else {
        Command::new("xvfb-run")
            .args(["--auto-servernum", "--server-args=-screen 0 1280x800x24", binary])
            .args(args)
            .output()
    }
    .expect("the window tool runs");
    assert!(output.status.success(), "{}", stderr(&output));

    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&out).expect("screenshot written")));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut rgba = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut rgba).expect("pixels");
    assert_eq!((info.width, info.height), (1280, 800));
    let pixel = |x: u32, y: u32| {
        let at = ((y * info.width + x) * 4) as usize;
        [rgba[at], rgba[at + 1], rgba[at + 2]]
    };
    let background = pixel(1275, 5);
    // The avatar stands in the middle of the area right of the panel.
    let avatar = (900..=940)
        .flat_map(|x| (380..=420).map(move |y| (x, y)))
        .filter(|&(x, y)| pixel(x, y).iter().zip(background).any(|(a, b)| a.abs_diff(b) > 12));
    assert!(avatar.count() > 400, "the avatar is not in the viewport's centre");
    // The panel is drawn over the left side.
    let panel = pixel(5, 400);
    assert!(panel.iter().zip(background).any(|(a, b)| a.abs_diff(b) > 4), "no panel: {panel:?}");
}
