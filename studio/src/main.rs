//! Animo Studio, the desktop app designers and tenant owners work in.
//!
//! Per DESIGN.md this crate will hold the Tauri 2 backend: thin commands that
//! each call one function of a Studio core owning the session with the server
//! (over HTTP and WebSocket, with animo-shared types only), credentials in the
//! OS keyring, native file dialogs, and the headless avatar preview from
//! animo-preview streamed into the webview. Its front-end lives in `studio/ui`
//! and its configuration in the root `tauri.conf.json`.
//!
//! Until the Studio issue builds it, the binary says so and fails, so that no
//! script mistakes it for a working app.

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!("animo-studio: the desktop Studio is not built yet; see the Studio issue");
    ExitCode::from(2)
}
