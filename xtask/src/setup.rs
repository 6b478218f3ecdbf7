//! `cargo xtask setup`: everything a fresh Debian machine needs before the
//! workspace builds and the front-ends' checks run.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result};

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
    Ok(())
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
