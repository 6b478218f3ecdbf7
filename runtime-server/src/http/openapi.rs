//! The OpenAPI 3.1 document, generated from the handlers' annotations and
//! the shared types' schemas, and a plain HTML page rendered from it.

use std::fmt::Write;

use animo_shared::ErrorCode;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{chat, knowledge, poster, routes, test_chat, widget};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An access token (JWT) from login, or an API key `ak_…`"))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Animo runtime API", description = "Animo's runtime: accounts, tenants, bots, publishing, avatars, embeds and chat (WebSocket frames are the `ClientFrame` and `ServerFrame` schemas). Every error is `{code, message, request_id}`; see the error-code table at /docs."),
    modifiers(&BearerAuth),
    paths(
        routes::signup, routes::login, routes::refresh, routes::logout, routes::change_password, routes::me,
        routes::list_bots, routes::create_bot, routes::get_bot, routes::update_bot, routes::archive_bot,
        routes::publish_bot, routes::bot_versions, routes::rollback_bot, routes::rotate_embed_id,
        routes::tenant, routes::export, routes::request_deletion, routes::confirm_deletion,
        routes::list_members, routes::invite, routes::accept_invite, routes::change_role, routes::remove_member,
        routes::list_api_keys, routes::create_api_key, routes::revoke_api_key, routes::audit_log,
        routes::admin_tenants, routes::admin_update_tenant,
        routes::upload_avatar, routes::list_avatars, routes::get_avatar, routes::delete_avatar,
        routes::avatar_model, routes::suggested_mapping, routes::attach_avatar, routes::detach_avatar,
        routes::healthz, routes::readyz, routes::metrics,
        chat::embed_config, chat::embed_avatar, chat::chat_socket, chat::chat_sse, chat::chat_history,
        chat::set_test_origins, chat::rotate_identity_secret, chat::budget, chat::set_budget,
        chat::bot_analytics, chat::export_visitor, chat::erase_visitor, chat::export_user, chat::erase_user,
        knowledge::add_document, knowledge::list_documents, knowledge::delete_document, knowledge::resync_document,
        knowledge::search,
        widget::embed_js, widget::widget_file, widget::demo_page, widget::embed_snippet,
        test_chat::test_chat, poster::put_poster, poster::embed_poster,
    )
)]
struct ApiDoc;

/// The OpenAPI document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The human docs page: every operation with its summary, and the error-code table.
pub fn docs_page() -> String {
    let doc = document();
    let mut html = String::from(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Animo API</title>\
         <style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem}\
         code{background:#f3f3f3;padding:0 .25em}td,th{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:left}\
         table{border-collapse:collapse}</style><h1>Animo runtime API</h1>\
         <p>The machine-readable document is <a href=\"/openapi.json\">/openapi.json</a> (OpenAPI 3.1).</p>\
         <h2>Operations</h2><table><tr><th>Method</th><th>Path</th><th>What it does</th></tr>",
    );
    for (path, item) in &doc.paths.paths {
        let operations = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PATCH", &item.patch),
            ("PUT", &item.put),
            ("DELETE", &item.delete),
        ];
        for (method, operation) in operations {
            if let Some(operation) = operation {
                let summary = operation.summary.clone().or_else(|| operation.description.clone()).unwrap_or_default();
                let _infallible = write!(
                    html,
                    "<tr><td>{method}</td><td><code>{}</code></td><td>{}</td></tr>",
                    escape(path),
                    escape(&summary)
                );
            }
        }
    }
    html.push_str("</table><h2>Error codes</h2><table><tr><th>Code</th><th>HTTP</th><th>Meaning</th></tr>");
    for code in ErrorCode::ALL {
        let _infallible = write!(
            html,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            code.name(),
            code.http_status(),
            escape(code.meaning())
        );
    }
    html.push_str("</table></html>");
    html
}
