//! Animo Studio, the desktop app designers and tenant owners work in.
//!
//! A Tauri 2 app: the web front-end in `studio/ui` shows the screens, and the
//! commands here are thin glue. The avatar viewport runs animo-preview's
//! offscreen renderer in this process; the webview pulls its frames as raw
//! RGBA over the `preview` URI scheme (see [`viewport`]). Configuration lives
//! in the root `tauri.conf.json`.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod account;
mod avatar;
mod commands;
mod content;
mod error;
mod server;
mod test_chat;
mod viewport;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tauri::http::{Request, Response, StatusCode, header};
use tauri::{Manager, UriSchemeContext, UriSchemeResponder};

use crate::avatar::OpenAvatar;
use crate::viewport::Viewport;

/// How long a request for the next frame waits before answering "none yet";
/// the webview then asks again, so a stalled renderer never hangs it.
const FRAME_WAIT: Duration = Duration::from_secs(1);

/// Set to a file path, the Studio measures its viewport (see `cargo xtask
/// bench studio`), writes the figures there as JSON and quits.
const BENCH_ENV: &str = "ANIMO_STUDIO_BENCH";

/// The Studio's state, shared by its commands.
#[derive(Debug)]
pub struct Studio {
    started: Instant,
    interactive_after: Mutex<Option<Duration>>,
    avatar: Mutex<Option<OpenAvatar>>,
    viewport: Mutex<Option<Arc<Viewport>>>,
    bench_out: Option<std::path::PathBuf>,
}

/// Emits one of the events the Studio core declares, with its declared
/// payload type: the generated listeners of the front-end expect exactly it.
fn emit<E: animo_studio_core::app::AppEvent>(app: &tauri::AppHandle, payload: &E::Payload) -> tauri::Result<()> {
    tauri::Emitter::emit(app, E::NAME, payload)
}

/// Locks a piece of state; a panic in another command leaves each of them
/// whole (every update is one assignment), so poisoning is ignored.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn main() {
    let studio = Studio {
        started: Instant::now(),
        interactive_after: Mutex::new(None),
        avatar: Mutex::new(None),
        viewport: Mutex::new(None),
        bench_out: std::env::var_os(BENCH_ENV).map(Into::into),
    };
    let outcome = tauri::Builder::default()
        .manage(studio)
        .setup(|app| Ok(server::connect(app)?))
        .register_asynchronous_uri_scheme_protocol("preview", serve_frame)
        .invoke_handler(tauri::generate_handler![
            commands::studio_info,
            commands::ui_ready,
            commands::avatar_choose_file,
            commands::avatar_open,
            commands::viewport_input,
            commands::mapping_set,
            commands::sentence_play,
            commands::widget_event,
            commands::bench_finish,
            // Sign-in, the shell and the account screens (studio/src/account.rs).
            account::sign_in,
            account::sign_up,
            account::known_accounts,
            account::resume,
            account::forget_account,
            account::sign_out,
            account::session,
            account::connectivity,
            account::secret_backend,
            account::tenant,
            account::bots,
            account::bot,
            account::create_bot,
            account::duplicate_bot,
            account::archive_bot,
            account::check_personality,
            account::update_draft,
            account::pending_edits,
            account::discard_edit,
            account::flush_outbox,
            account::publish_checks,
            account::draft_diff,
            account::publish,
            account::versions,
            account::rollback,
            account::embed_snippet,
            account::members,
            account::invite,
            account::change_role,
            account::remove_member,
            account::api_keys,
            account::create_api_key,
            account::revoke_api_key,
            // Knowledge, Widget & Placement, Analytics and the avatar upload.
            content::knowledge_choose_files,
            content::knowledge_add_file,
            content::knowledge_add_url,
            content::knowledge_list,
            content::knowledge_delete,
            content::knowledge_resync,
            content::knowledge_search,
            content::analytics_load,
            content::avatar_upload,
            content::avatar_attach,
            // Test chat with the draft, and the poster rendered at publish.
            test_chat::test_chat_send,
            test_chat::test_chat_open_avatar,
            test_chat::test_chat_viewport_avatar,
            test_chat::poster_render,
        ])
        .run(tauri::generate_context!("../tauri.conf.json"));
    if let Err(error) = outcome {
        eprintln!("animo-studio: {error}");
        std::process::exit(1);
    }
}

/// `preview://localhost/frame?after=N`: the first frame newer than N (or the
/// newest, without N) as a binary body, or 204 when none comes within
/// [`FRAME_WAIT`].
fn serve_frame(context: UriSchemeContext<'_, tauri::Wry>, request: Request<Vec<u8>>, responder: UriSchemeResponder) {
    let studio = context.app_handle().state::<Studio>();
    let viewport = lock(&studio.viewport).clone();
    let after = parse_after(request.uri().query());
    if request.uri().path() != "/frame" || after.is_err() {
        responder.respond(empty(StatusCode::NOT_FOUND));
        return;
    }
    let Some(viewport) = viewport else {
        responder.respond(empty(StatusCode::NO_CONTENT));
        return;
    };
    let after = after.unwrap_or_default();
    tauri::async_runtime::spawn(async move {
        let response = match viewport.next_frame(after, FRAME_WAIT).await {
            Some(frame) => Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "application/octet-stream")
                .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")
                .header(header::CACHE_CONTROL, "no-store")
                .body(frame.bytes.to_vec())
                .unwrap_or_else(|_| empty(StatusCode::INTERNAL_SERVER_ERROR)),
            None => empty(StatusCode::NO_CONTENT),
        };
        responder.respond(response);
    });
}

/// The `after` query parameter: absent, or a frame index.
fn parse_after(query: Option<&str>) -> Result<Option<u64>, ()> {
    let Some(query) = query else { return Ok(None) };
    for pair in query.split('&') {
        if let Some(value) = pair.strip_prefix("after=") {
            return value.parse().map(Some).map_err(|_| ());
        }
    }
    Ok(None)
}

fn empty(status: StatusCode) -> Response<Vec<u8>> {
    let mut response = Response::new(Vec::new());
    *response.status_mut() = status;
    response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, header::HeaderValue::from_static("*"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_is_read_from_the_query() {
        assert_eq!(parse_after(None), Ok(None));
        assert_eq!(parse_after(Some("after=41")), Ok(Some(41)));
        assert_eq!(parse_after(Some("x=1&after=7")), Ok(Some(7)));
        assert_eq!(parse_after(Some("after=-1")), Err(()));
        assert_eq!(parse_after(Some("after=")), Err(()));
    }
}
