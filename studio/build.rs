//! Tauri's build step reads `tauri.conf.json`, which sits at the workspace
//! root so that its paths (the front-end's `studio/ui/dist`, `icons/`) read
//! from the root like every other path in the project. tauri-build looks for
//! the file in the current directory, so the build runs from the root.

use std::path::Path;

fn main() {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR for build scripts");
    let root = Path::new(&manifest_dir).parent().expect("studio/ sits inside the workspace root");
    std::env::set_current_dir(root).expect("the workspace root is readable");
    // The front-end is embedded at compile time; a build without it would
    // show an empty window, so say what to run instead.
    if !root.join("studio/ui/dist/index.html").is_file() {
        println!(
            "cargo::warning=studio/ui/dist is missing: run `npm run build` in studio/ui (cargo xtask does) before building the Studio"
        );
    }
    // Cargo reads these paths from the package folder, not the current one.
    println!("cargo::rerun-if-changed={}", root.join("studio/ui/dist").display());
    println!("cargo::rerun-if-changed={}", root.join("tauri.conf.json").display());
    tauri_build::build();
}
