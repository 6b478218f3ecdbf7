//! The Studio desktop app: building it (front-end first, since the app
//! embeds it when compiled), starting it, and `cargo xtask bench studio`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::process::{cargo, command, on_path, run};

/// Options of `cargo xtask bench studio`.
#[derive(Debug, Args)]
pub struct StudioBenchArgs {
    /// Build and measure the debug build instead of the release build.
    #[arg(long)]
    debug: bool,
    /// The viewport's frame rate cap (the Studio's default is 30).
    #[arg(long)]
    max_fps: Option<f32>,
}

/// Builds the front-end into studio/ui/dist, where tauri.conf.json looks.
pub fn build_ui(root: &Path) -> Result<()> {
    run(command(&root.join("studio/ui"), "npm").args(["run", "build"]))
        .context("could not build the Studio's front-end")
}

/// Builds the front-end and the app; the binary's path. `ANIMO_STUDIO_BINARY`
/// names an already built app to use instead.
pub fn build(root: &Path, release: bool) -> Result<PathBuf> {
    if let Some(binary) = std::env::var_os("ANIMO_STUDIO_BINARY") {
        return Ok(PathBuf::from(binary));
    }
    build_ui(root)?;
    let mut build = cargo(root);
    build.args(["build", "--package", "animo-studio"]);
    if release {
        build.arg("--release");
    }
    run(&mut build).context("could not build the Studio")?;
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let target = if target.is_absolute() { target } else { root.join(target) };
    Ok(target.join(if release { "release" } else { "debug" }).join("animo-studio"))
}

/// The display the Studio shows on: the session's own, or a virtual X
/// server started for it and stopped when this is dropped.
#[derive(Debug)]
pub struct Display {
    name: String,
    server: Option<Killed>,
}

impl Display {
    /// The current display when there is one, else a new virtual X server.
    pub fn open() -> Result<Self> {
        if let Some(name) = std::env::var_os("DISPLAY") {
            return Ok(Self { name: name.to_string_lossy().into_owned(), server: None });
        }
        if !on_path("Xvfb") {
            bail!("the Studio needs a display, or Xvfb to make one (`cargo xtask setup` installs it)");
        }
        // The first display number nobody holds; X servers leave a lock file.
        let number = (90..200)
            .find(|number| !Path::new(&format!("/tmp/.X{number}-lock")).exists())
            .context("no free X display number between 90 and 199")?;
        let server = Command::new("Xvfb")
            .arg(format!(":{number}"))
            .args(["-screen", "0", "1400x900x24", "-nolisten", "tcp"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("could not start Xvfb")?;
        let server = Killed(server);
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            if Instant::now() > deadline {
                bail!("Xvfb did not open display :{number} within 10 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(Self { name: format!(":{number}"), server: Some(server) })
    }

    /// A command for `program` on this display. On a virtual one WebKitGTK's
    /// DMA-BUF renderer, which needs a GPU, is turned off.
    pub fn command(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        command.env("DISPLAY", &self.name);
        if self.server.is_some() {
            command.env("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
        }
        command
    }
}

/// How long the benchmark run may take before it counts as hung.
const BENCH_TIMEOUT: Duration = Duration::from_secs(180);

/// `cargo xtask bench studio`: starts the real app (release build) with the
/// benchmark variable set; the front-end opens the demo avatar and measures
/// the viewport (see studio/ui/src/bench.ts) while this measures the time
/// from launch to the first interactive screen.
pub fn bench(root: &Path, args: &StudioBenchArgs) -> Result<()> {
    let binary = build(root, !args.debug)?;
    let work = tempfile::tempdir().context("could not create a temporary folder")?;
    let out = work.path().join("figures.json");
    let display = Display::open()?;
    let mut studio = display.command(&binary);
    studio.env("ANIMO_STUDIO_BENCH", &out).stdin(Stdio::null()).stdout(Stdio::piped());
    if let Some(fps) = args.max_fps {
        studio.env("ANIMO_STUDIO_MAX_FPS", fps.to_string());
    }
    println!("bench studio: launching {}", binary.display());
    let launched = Instant::now();
    let mut child = Killed(studio.spawn().context("could not start the Studio")?);
    let stdout = child.0.stdout.take().context("the Studio's output is not piped")?;
    let (interactive, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("studio: interactive after") {
                // The receiver may be gone after a timeout.
                let _ = interactive.send(launched.elapsed());
            }
        }
    });
    let cold_start = lines.recv_timeout(BENCH_TIMEOUT).context("the Studio never showed its first screen")?;
    let deadline = launched + BENCH_TIMEOUT;
    let status = loop {
        if let Some(status) = child.0.try_wait().context("could not wait for the Studio")? {
            break status;
        }
        if Instant::now() > deadline {
            bail!("the Studio did not finish the benchmark within {} s", BENCH_TIMEOUT.as_secs());
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    if !status.success() {
        bail!("the Studio exited with {status} during the benchmark");
    }
    let text = std::fs::read_to_string(&out).context("the Studio wrote no figures")?;
    let figures: serde_json::Value = serde_json::from_str(&text).context("the Studio's figures are not JSON")?;
    let viewport = &figures["viewport"];
    if let Some(error) = viewport["error"].as_str() {
        bail!("the benchmark failed: {error}");
    }
    println!("{text}");
    println!(
        "cold_start_ms={} interactive_in_process_ms={} fps={} frames_skipped={} first_frame_ms={} input_to_frame_p50_ms={} input_to_frame_p95_ms={} input_to_frame_max_ms={} inputs={}/{} size={}x{}",
        cold_start.as_millis(),
        figures["interactive_ms"].as_f64().map_or(-1, |ms| ms.round() as i64),
        viewport["fps"],
        viewport["frames_skipped"],
        viewport["first_frame_ms"],
        viewport["latency_p50_ms"],
        viewport["latency_p95_ms"],
        viewport["latency_max_ms"],
        viewport["inputs_shown"],
        viewport["inputs_sent"],
        viewport["width"],
        viewport["height"],
    );
    Ok(())
}

/// A child process killed when dropped, so that no failure path leaves the
/// app (or its virtual X server) running.
#[derive(Debug)]
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        // It may have exited already.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// tauri-driver, asked to stop with SIGTERM when dropped: it then stops the
/// WebKitWebDriver it started, which a plain kill of tauri-driver leaves
/// running after every run.
#[derive(Debug)]
struct TauriDriver(Killed);

/// How long tauri-driver may take to stop its native driver and exit.
const DRIVER_STOP_WAIT: Duration = Duration::from_secs(5);

impl Drop for TauriDriver {
    fn drop(&mut self) {
        let child = &mut self.0.0;
        let asked = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if !asked.is_ok_and(|status| status.success()) {
            eprintln!("studio end-to-end: could not ask tauri-driver to stop; its WebKitWebDriver may be left running");
            return;
        }
        let deadline = Instant::now() + DRIVER_STOP_WAIT;
        while Instant::now() < deadline {
            if matches!(child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // Killed's own drop kills what is left.
        eprintln!("studio end-to-end: tauri-driver did not stop within {} s", DRIVER_STOP_WAIT.as_secs());
    }
}

/// The tauri-driver release that drives Tauri 2 apps.
const TAURI_DRIVER_VERSION: &str = "2.1.0";

/// How long the end-to-end test waits for any one thing to appear.
const E2E_WAIT: Duration = Duration::from_secs(60);

/// How long publishing may take: it renders the poster first, on a software
/// renderer under a virtual display.
const PUBLISH_WAIT: Duration = Duration::from_secs(180);

/// The page script that counts the viewport canvas's pixels differing from
/// its first pixel (the background): the avatar's.
const NON_BLANK_PIXELS: &str = r#"
const canvas = document.querySelector('[data-testid="viewport"]');
if (!canvas || canvas.width === 0) return 0;
const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
let differing = 0;
for (let i = 0; i < data.length; i += 4) {
  if (Math.abs(data[i] - data[0]) + Math.abs(data[i + 1] - data[1]) + Math.abs(data[i + 2] - data[2]) > 30) differing++;
}
return differing;
"#;

/// The Studio end to end: the real app under a (virtual) display, driven by
/// tauri-driver and WebKitWebDriver, against a real server with the demo
/// seeded: sign in, open the demo bot, every screen, the avatar in the
/// viewport, a mapped slot, files dropped on Knowledge (see [`drop_files`]),
/// a test message, publish. A screenshot of each screen goes to
/// `<target>/studio-artifacts/`.
pub fn end_to_end(root: &Path) -> Result<()> {
    if !on_path("WebKitWebDriver") {
        bail!("WebKitWebDriver is missing; `cargo xtask setup` installs it (Debian's webkit2gtk-driver)");
    }
    let tauri_driver = tauri_driver(root)?;
    run(command(&root.join("widget"), "npm").args(["run", "build"])).context("could not build the widget")?;
    let demo = crate::widget::DemoServer::start(root, None, crate::bench::Profile::Dev)?;
    let binary = build(root, false)?;
    let artifacts =
        binary.parent().and_then(Path::parent).context("the binary is in a profile folder")?.join("studio-artifacts");
    std::fs::create_dir_all(&artifacts).with_context(|| format!("could not create {}", artifacts.display()))?;
    let home = tempfile::tempdir().context("could not create a temporary folder")?;

    let display = Display::open()?;
    let port = free_port()?;
    let native_port = free_port()?;
    let mut driver = display.command(&tauri_driver);
    driver
        .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
        // The app keeps its settings, outbox and tokens in a fresh, empty
        // place: tokens in a file, as a test machine has no keyring service.
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("ANIMO_STUDIO_DATA_DIR", home.path().join("studio"))
        .env("ANIMO_STUDIO_SECRETS", format!("file:{}", home.path().join("secrets.json").display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    let _driver = TauriDriver(Killed(driver.spawn().context("could not start tauri-driver")?));
    let driver_url = format!("http://127.0.0.1:{port}");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let outcome = runtime.block_on(async {
        wait_for_driver(port).await?;
        let capabilities = serde_json::json!({
            "alwaysMatch": { "tauri:options": { "application": binary.to_string_lossy() } }
        });
        let session = crate::webdriver::Session::start(&driver_url, capabilities).await?;
        let outcome = drive(&session, &artifacts, &demo).await;
        // Screenshot whatever the app shows when a step fails, for the person reading the log.
        if outcome.is_err()
            && let Ok(png) = session.screenshot().await
            && let Err(error) = std::fs::write(artifacts.join("failure.png"), png)
        {
            eprintln!("studio end-to-end: could not save the failure screenshot: {error}");
        }
        let ended = session.end().await;
        outcome.and(ended)
    });
    let stopped = demo.stop();
    outcome?;
    stopped?;
    println!("studio end-to-end: passed; screenshots in {}", artifacts.display());
    Ok(())
}

/// The demo owner the server seeds (see runtime-server's demo module).
const DEMO_EMAIL: &str = "demo@animo.localhost";
const DEMO_PASSWORD: &str = "animo-demo-password";

async fn drive(session: &crate::webdriver::Session, artifacts: &Path, demo: &crate::widget::DemoServer) -> Result<()> {
    use serde_json::json;
    let server = demo.base.as_str();
    // A screenshot that does not come is reported, not fatal: the steps
    // check the screens themselves.
    let shot = |name: &'static str| async move {
        match session.screenshot().await {
            Ok(png) => std::fs::write(artifacts.join(name), png).with_context(|| format!("could not write {name}")),
            Err(error) => {
                println!("studio end-to-end: no screenshot {name}: {error:#}");
                Ok(())
            }
        }
    };
    let set_value = |selector: &'static str, value: String| async move {
        session
            .execute(
                "const input = document.querySelector(arguments[0]);
                 input.value = arguments[1];
                 input.dispatchEvent(new Event('input', { bubbles: true }));
                 input.dispatchEvent(new Event('change', { bubbles: true }));",
                json!([selector, value]),
            )
            .await
            .map(drop)
    };
    let visit = |id: &'static str| async move {
        let link = session.find(&format!("[data-testid=nav-{id}]"), E2E_WAIT).await?;
        session.click(&link).await?;
        session.find(&format!("[data-testid=screen-{id}]"), E2E_WAIT).await.map(drop)
    };

    // Sign in to the demo server.
    session.find("[data-testid=signin-form]", E2E_WAIT).await?;
    set_value("[data-testid=signin-server]", server.to_owned()).await?;
    set_value("[data-testid=signin-email]", DEMO_EMAIL.to_owned()).await?;
    set_value("[data-testid=signin-password]", DEMO_PASSWORD.to_owned()).await?;
    shot("01-sign-in.png").await?;
    let submit = session.find("[data-testid=signin-submit]", E2E_WAIT).await?;
    session.click(&submit).await?;

    // The Bots screen lists the demo bot; open it.
    let open = session.find("[data-testid=bot-open]", E2E_WAIT).await?;
    shot("02-bots.png").await?;
    session.click(&open).await?;
    println!("studio end-to-end: signed in and opened the demo bot");

    visit("personality").await?;
    shot("03-personality.png").await?;

    // The avatar in the viewport, a slot mapped to another clip, a sentence read.
    visit("avatar").await?;
    let open_demo = session.find("[data-testid=open-demo]", E2E_WAIT).await?;
    session.click(&open_demo).await?;
    session
        .wait_for(
            "the viewport to show the avatar",
            &format!("return (() => {{ {NON_BLANK_PIXELS} }})() > 2000;"),
            E2E_WAIT,
        )
        .await?;
    let pixels = session.execute(&format!("return (() => {{ {NON_BLANK_PIXELS} }})();"), json!([])).await?;
    println!("studio end-to-end: the viewport shows {pixels} avatar pixels");
    shot("04-avatar.png").await?;
    let mapped = session
        .execute(
            r#"
const select = document.querySelector('[data-testid="slot-clip-thumbs_up"]');
const other = [...select.options].map((o) => o.value).find((v) => v !== '' && v !== select.value);
select.value = other;
select.dispatchEvent(new Event('change'));
return other;
"#,
            json!([]),
        )
        .await?;
    let clip = mapped.as_str().context("the slot table offered no clip")?.to_owned();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let errors =
        session.execute("return document.querySelectorAll('[data-testid=notice-error]').length;", json!([])).await?;
    if errors != json!(0) {
        let text = session
            .execute("return [...document.querySelectorAll('[data-testid=notice-error]')].map((n) => n.textContent).join(' | ');", json!([]))
            .await?;
        bail!("mapping thumbs_up to {clip} showed an error: {text}");
    }
    let sentence = session.find("[data-testid=sentence]", E2E_WAIT).await?;
    session.type_text(&sentence, "Thank you so much, this is wonderful!\u{E007}").await?;
    let result = session.find("[data-testid=sentence-result]", E2E_WAIT).await?;
    let deadline = Instant::now() + E2E_WAIT;
    let reading = loop {
        let text = session.text(&result).await?;
        if text.contains("plays") || Instant::now() > deadline {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    if !reading.contains("plays") {
        bail!("the sentence box showed no reading: {reading:?}");
    }
    println!("studio end-to-end: mapped thumbs_up to {clip}; the sentence reads {reading:?}");
    shot("05-avatar-mapped.png").await?;

    visit("knowledge").await?;
    session.find("[data-testid=knowledge-documents]", E2E_WAIT).await?;
    shot("06-knowledge.png").await?;
    visit("widget").await?;
    session.find("[data-testid=widget-preview]", E2E_WAIT).await?;
    shot("07-widget.png").await?;
    // Back to Knowledge: the drop listener registered on the first visit
    // must serve this one too.
    visit("knowledge").await?;
    drop_files(session).await?;
    shot("07b-knowledge-dropped.png").await?;

    test_chat(session).await?;
    chat_column_width(session).await?;
    shot("08-test-chat.png").await?;

    // Publish: the demo bot passes the checks, so the owner's button is enabled.
    visit("publish").await?;
    // The demo is seeded published: wait for its version to be listed, or the
    // count below is taken before the list has loaded and any version passes.
    session.find("[data-testid=version-row]", E2E_WAIT).await?;
    let versions_before =
        session.execute("return document.querySelectorAll('[data-testid=version-row]').length;", json!([])).await?;
    let publish = session.find("[data-testid=publish-button]:not([disabled])", E2E_WAIT).await?;
    shot("09-publish.png").await?;
    session.click(&publish).await?;
    session
        .wait_for(
            "a new version in the list",
            &format!("return document.querySelectorAll('[data-testid=version-row]').length > {versions_before};"),
            PUBLISH_WAIT,
        )
        .await?;
    println!("studio end-to-end: published (versions listed before: {versions_before})");
    let poster = published_poster(demo).await?;
    println!("studio end-to-end: the published version's poster is a {poster}");
    shot("10-published.png").await?;

    visit("analytics").await?;
    shot("11-analytics.png").await?;
    visit("members").await?;
    shot("12-members.png").await
}

/// How long a dropped document may take to be read and indexed.
const INDEX_WAIT: Duration = Duration::from_secs(120);

/// The dropped document's file name and the sentence retrieval must find.
const DROPPED_NAME: &str = "lighthouse-shop.md";
const DROPPED_SENTENCE: &str =
    "The lighthouse shop lends brass telescopes to every visitor who brings a drawing of a puffin.";
/// A file of a format the Studio refuses.
const REFUSED_NAME: &str = "notes.exe";

/// Emits one of the events Tauri's native layer emits when files are
/// dragged over a webview window, through Tauri's own event system
/// (`plugin:event|emit_to`, which the app's `core:default` capability
/// already allows, so the shipped app's permissions stay as they are). For
/// a window's own webview Tauri 2.12 emits them to the window's label
/// (`EventTarget::labeled`, see tauri's manager/window.rs): the payload is
/// `{ paths, position }` for enter and drop, `{ position }` for over, and
/// `null` for leave. The result is null, or the error the emit failed with.
const EMIT_DRAG_EVENT: &str = r#"
const [event, payload, done] = arguments;
const internals = window.__TAURI_INTERNALS__;
internals
  .invoke('plugin:event|emit_to', {
    target: { kind: 'AnyLabel', label: internals.metadata.currentWindow.label },
    event,
    payload,
  })
  .then(() => done(null), (error) => done(String(error)));
"#;

/// The drop zone's centre in physical pixels of the webview, where the
/// native layer would report the pointer.
const DROP_ZONE_CENTRE: &str = r#"
const rect = document.querySelector('[data-testid=knowledge-drop-zone]').getBoundingClientRect();
return { x: (rect.left + rect.width / 2) * devicePixelRatio, y: (rect.top + rect.height / 2) * devicePixelRatio };
"#;

/// Whether the drop zone is highlighted.
const DROP_ZONE_ACTIVE: &str =
    "return document.querySelector('[data-testid=knowledge-drop-zone]').classList.contains('active');";

/// The dropped document's row: its status once indexed, failing on a failed
/// read or upload, false while it is missing or being read.
const DROPPED_INDEXED: &str = r#"
const name = arguments[0];
const failed = [...document.querySelectorAll('[data-testid=upload].failed')].map((row) => row.textContent);
if (failed.length > 0) throw new Error('an upload failed: ' + failed.join(' | '));
const rows = [...document.querySelectorAll('[data-testid=knowledge-documents] tbody tr')]
  .filter((row) => row.querySelector('.doc-title')?.textContent === name);
if (rows.length > 1) throw new Error(rows.length + ' rows for ' + name + ': the drop was uploaded more than once');
if (rows.length === 0) return false;
const status = rows[0].querySelector('[data-testid^=document-status-]').textContent;
if (status.startsWith('Failed')) throw new Error(name + ': ' + status);
return status.startsWith('Indexed') ? status : false;
"#;

/// Files dropped on the Knowledge screen (which must be showing): two files
/// in a fresh folder, one the Studio reads and one it refuses, delivered as
/// Tauri delivers a native drop. This covers everything after the OS hands
/// the paths to the webview (Tauri's event, the screen's listener and
/// highlight, the split into accepted and refused files, the upload command
/// with the dropped path, the list, indexing, retrieval); the OS-level drag
/// itself is not simulated, as WebDriver cannot drag native files. Tauri
/// also adds dropped paths to the app's file scope, which the Studio does
/// not use: its upload command reads the path it is given.
async fn drop_files(session: &crate::webdriver::Session) -> Result<()> {
    use serde_json::json;
    let folder = tempfile::tempdir().context("could not create a folder for the dropped files")?;
    let document = folder.path().join(DROPPED_NAME);
    std::fs::write(&document, format!("# The lighthouse shop\n\n{DROPPED_SENTENCE}\n"))
        .with_context(|| format!("could not write {}", document.display()))?;
    let refused = folder.path().join(REFUSED_NAME);
    std::fs::write(&refused, b"MZ\x90\x00 not a document")
        .with_context(|| format!("could not write {}", refused.display()))?;
    let paths: Vec<String> = [&document, &refused]
        .iter()
        .map(|path| path.to_str().map(str::to_owned).context("the temporary folder's path is not UTF-8"))
        .collect::<Result<_>>()?;

    session.find("[data-testid=knowledge-drop-zone][data-drops=listening]", E2E_WAIT).await?;
    let position = session.execute(DROP_ZONE_CENTRE, json!([])).await?;
    let emit = |event: &'static str, payload: serde_json::Value| async move {
        let outcome = session.execute_async(EMIT_DRAG_EVENT, json!([event, payload])).await?;
        match outcome.as_str() {
            Some(error) => bail!("emitting {event} failed: {error}"),
            None => Ok(()),
        }
    };
    let highlighted = |want: bool, what: &'static str| async move {
        let script =
            if want { DROP_ZONE_ACTIVE.to_owned() } else { format!("return !(() => {{ {DROP_ZONE_ACTIVE} }})();") };
        session.wait_for(what, &script, E2E_WAIT).await
    };

    // Files enter the window, leave it, come back over it: the zone follows.
    emit("tauri://drag-enter", json!({ "paths": paths, "position": position })).await?;
    highlighted(true, "the drop zone to highlight on drag-enter").await?;
    emit("tauri://drag-leave", serde_json::Value::Null).await?;
    highlighted(false, "the drop zone to clear on drag-leave").await?;
    emit("tauri://drag-over", json!({ "position": position })).await?;
    highlighted(true, "the drop zone to highlight on drag-over").await?;
    emit("tauri://drag-drop", json!({ "paths": paths, "position": position })).await?;
    highlighted(false, "the drop zone to clear on drop").await?;
    println!("studio end-to-end: the drop zone highlighted on drag-enter and drag-over and cleared on leave and drop");

    // The refused file is named (error notices stay for 8 s).
    session
        .wait_for(
            "a notice naming the refused file",
            &format!(
                "return [...document.querySelectorAll('[data-testid=notice-error]')].some((n) => n.textContent.includes({REFUSED_NAME:?}) && !n.textContent.includes({DROPPED_NAME:?}));"
            ),
            E2E_WAIT,
        )
        .await?;
    println!("studio end-to-end: the drop's refused file {REFUSED_NAME} was named in an error notice");

    // The document is uploaded once, listed and indexed.
    let deadline = Instant::now() + INDEX_WAIT;
    let status = loop {
        let status = session.execute(DROPPED_INDEXED, json!([DROPPED_NAME])).await?;
        if let Some(status) = status.as_str() {
            break status.to_owned();
        }
        if Instant::now() > deadline {
            let listed = session
                .execute(
                    "return [...document.querySelectorAll('[data-testid=knowledge-documents] tbody tr')].map((row) => row.textContent).join(' | ');",
                    json!([]),
                )
                .await?;
            bail!("{DROPPED_NAME} was not listed as indexed within {} s; the list: {listed}", INDEX_WAIT.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let refused_listed = session
        .execute(
            "return [...document.querySelectorAll('[data-testid=knowledge-documents] .doc-title')].some((t) => t.textContent === arguments[0]);",
            json!([REFUSED_NAME]),
        )
        .await?;
    if refused_listed != json!(false) {
        bail!("the refused {REFUSED_NAME} was listed as a document");
    }
    println!("studio end-to-end: the dropped {DROPPED_NAME} is listed: {status}");

    // Retrieval finds the dropped sentence.
    session
        .execute(
            "const input = document.querySelector('[data-testid=knowledge-search]');
             input.value = arguments[0];
             input.dispatchEvent(new Event('input', { bubbles: true }));",
            json!(["Who lends brass telescopes for a drawing of a puffin?"]),
        )
        .await?;
    let run = session.find("[data-testid=knowledge-search-run]", E2E_WAIT).await?;
    session.click(&run).await?;
    session
        .wait_for(
            "the knowledge search to find the dropped sentence",
            &format!(
                "const bad = document.querySelector('[data-testid=knowledge-results] .bad');
                 if (bad) throw new Error(bad.textContent);
                 return [...document.querySelectorAll('[data-testid^=knowledge-result-]')].some((p) => p.textContent.includes({DROPPED_SENTENCE:?}));"
            ),
            E2E_WAIT,
        )
        .await?;
    let rank = session
        .execute(
            "return [...document.querySelectorAll('[data-testid^=knowledge-result-]')].findIndex((p) => p.textContent.includes(arguments[0])) + 1;",
            json!([DROPPED_SENTENCE]),
        )
        .await?;
    println!("studio end-to-end: the knowledge search found the dropped sentence at rank {rank}");
    // The screenshot after the drop shows the list and the search's results.
    session
        .execute(
            "document.querySelector('[data-testid=knowledge-documents]').scrollIntoView({ block: 'start' });",
            json!([]),
        )
        .await?;
    Ok(())
}

/// The narrowest the test chat's conversation may be in the default window.
const MIN_CHAT_WIDTH: f64 = 400.0;

/// The test chat's conversation keeps a readable width in the Studio's
/// default window (1280 px wide, as tauri.conf.json opens it) beside the
/// avatar, instead of being squeezed by the viewport.
async fn chat_column_width(session: &crate::webdriver::Session) -> Result<()> {
    session.set_window_size(1280, 800).await.context("could not size the window to 1280x800")?;
    // The layout follows the resize on the next frame.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let measured = session
        .execute(
            "const messages = document.querySelector('[data-testid=test-chat-messages]');
             return [window.innerWidth, messages.getBoundingClientRect().width];",
            serde_json::json!([]),
        )
        .await?;
    let (window, column) = (measured[0].as_f64().unwrap_or_default(), measured[1].as_f64().unwrap_or_default());
    if !(1000.0..=1280.0).contains(&window) {
        bail!("the window is {window} px wide, not the 1280 px the chat column check is about");
    }
    if column < MIN_CHAT_WIDTH {
        bail!(
            "the test chat's messages are squeezed to {column} px in a {window} px window (at least {MIN_CHAT_WIDTH})"
        );
    }
    println!("studio end-to-end: the test chat's messages are {column} px wide in a {window} px window");
    Ok(())
}

/// Publishing rendered the avatar's poster: the live version's embed
/// configuration names it, and its address answers a PNG. Returns a
/// description of it.
async fn published_poster(demo: &crate::widget::DemoServer) -> Result<String> {
    let http = reqwest::Client::builder().no_proxy().build().context("could not build the HTTP client")?;
    // The demo bot allows the origin of the server it is seeded for.
    let config: serde_json::Value = http
        .get(format!("{}/v1/embed/{}/config", demo.base, demo.embed_id))
        .header(reqwest::header::ORIGIN, &demo.base)
        .send()
        .await
        .context("could not ask for the embed configuration")?
        .error_for_status()
        .context("the embed configuration was refused")?
        .json()
        .await
        .context("the embed configuration is not JSON")?;
    let url = config["poster_url"].as_str().context("the published version has no poster")?;
    let url = if url.starts_with("http") { url.to_owned() } else { format!("{}{url}", demo.base) };
    let response = http.get(&url).send().await.with_context(|| format!("could not fetch the poster {url}"))?;
    let status = response.status();
    let kind = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = response.bytes().await.context("the poster did not arrive")?;
    if !status.is_success() || kind != "image/png" || !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        bail!("the poster {url} answered {status} with {kind:?} and {} bytes, not a PNG", bytes.len());
    }
    Ok(format!("PNG of {} bytes at {url}", bytes.len()))
}

/// Sends one message in Test chat and waits for the answer to finish streaming.
async fn test_chat(session: &crate::webdriver::Session) -> Result<()> {
    let link = session.find("[data-testid=nav-test_chat]", E2E_WAIT).await?;
    session.click(&link).await?;
    let input = session.find("[data-testid=test-chat-input]", E2E_WAIT).await?;
    session.type_text(&input, "What can you help me with?\u{E007}").await?;
    let answered = session
        .wait_for(
            "the test answer",
            "const states = document.querySelectorAll('[data-testid=test-chat-status]');
             const answers = document.querySelectorAll('[data-testid=test-chat-answer]');
             if (states.length === 0) return false;
             const state = states[states.length - 1].dataset.state;
             if (state === 'failed') throw new Error(states[states.length - 1].textContent);
             return state === 'done' && answers[answers.length - 1].textContent.trim().length > 0;",
            E2E_WAIT,
        )
        .await;
    if let Err(error) = answered {
        // What the screen shows tells a message never sent from an answer
        // that stalled, or one whose end did not arrive.
        let shown = session
            .execute(
                "const last = (id) => [...document.querySelectorAll(`[data-testid=${id}]`)].pop();
                 const input = document.querySelector('[data-testid=test-chat-input]');
                 return JSON.stringify({
                     questions: document.querySelectorAll('[data-testid=test-chat-question]').length,
                     state: last('test-chat-status')?.dataset.state ?? null,
                     status: last('test-chat-status')?.textContent ?? null,
                     answer: last('test-chat-answer')?.textContent ?? null,
                     input: input?.value ?? null,
                     input_disabled: input?.disabled ?? null,
                 });",
                serde_json::json!([]),
            )
            .await
            .map_or_else(|error| format!("(could not read the screen: {error:#})"), |shown| shown.to_string());
        return Err(error.context(format!("the test chat shows {shown}")));
    }
    println!("studio end-to-end: the test chat answered");
    Ok(())
}

/// tauri-driver from `PATH` or cargo's folder of installed programs,
/// installed there first when missing.
fn tauri_driver(root: &Path) -> Result<PathBuf> {
    if on_path("tauri-driver") {
        return Ok(PathBuf::from("tauri-driver"));
    }
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
        .context("neither CARGO_HOME nor HOME is set")?;
    let installed = cargo_home.join("bin/tauri-driver");
    if !installed.is_file() {
        // Pinned to the Tauri major the Studio is built with.
        run(cargo(root).args(["install", "tauri-driver", "--locked", "--version", TAURI_DRIVER_VERSION]))
            .context("could not install tauri-driver")?;
    }
    Ok(installed)
}

/// Waits until tauri-driver accepts connections. Its `/status` is forwarded
/// to the native driver, which only starts with a session, so the port is
/// what tells that it is up.
async fn wait_for_driver(port: u16) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect((std::net::Ipv4Addr::LOCALHOST, port)).await.is_err() {
        if Instant::now() > deadline {
            bail!("tauri-driver did not listen on port {port} within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

fn free_port() -> Result<u16> {
    let probe =
        std::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).context("could not find a free port")?;
    Ok(probe.local_addr().context("could not read the free port")?.port())
}

/// Where `animo-server serve` listens unless told otherwise, and where the
/// Studio's sign-in screen points by default.
const DEFAULT_SERVER: &str = "127.0.0.1:8080";

/// `cargo xtask run` with a display: builds the Studio, starts `serve`,
/// opens the Studio once the server accepts connections, and serves until
/// interrupted. Closing the Studio leaves the server running.
pub fn serve_with_studio(root: &Path, serve: &mut Command) -> Result<()> {
    let binary = build(root, false)?;
    let mut server = Killed(serve.spawn().context("could not start the server")?);
    let address: std::net::SocketAddr = DEFAULT_SERVER.parse().context("the default server address")?;
    let deadline = Instant::now() + Duration::from_secs(300);
    while std::net::TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
        if let Some(status) = server.0.try_wait().context("could not watch the server")? {
            bail!("the server stopped before it was ready ({status})");
        }
        if Instant::now() > deadline {
            println!("run: the server is not answering on {DEFAULT_SERVER}; opening the Studio anyway");
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    println!("run: opening the Studio ({})", binary.display());
    // Stopping the server (Ctrl-C) closes the Studio too.
    let _studio = Killed(Command::new(&binary).spawn().context("could not start the Studio")?);
    let status = server.0.wait().context("could not wait for the server")?;
    if !status.success() {
        bail!("the server stopped with an error ({status})");
    }
    Ok(())
}

/// Whether this session has a display to open the Studio's window on.
pub fn has_display() -> bool {
    std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some()
}
