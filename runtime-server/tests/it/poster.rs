//! The poster: uploaded to the draft, checked as a PNG, frozen by publishing
//! and served to embeds with a strong ETag.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{TestServer, assert_error};

const SHOP: &str = "https://poster.example";

fn png(width: u32, height: u32, shade: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("header");
    writer.write_image_data(&vec![shade; (width * height * 4) as usize]).expect("pixels");
    writer.finish().expect("finished");
    out
}

async fn put(server: &TestServer, token: &str, bot: &str, content_type: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let response = server
        .client
        .put(server.url(&format!("/v1/bots/{bot}/poster")))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("sent");
    let status = response.status();
    (status, response.json().await.expect("json"))
}

async fn poster_url(server: &TestServer, embed: &str) -> Value {
    let response = server
        .client
        .get(server.url(&format!("/v1/embed/{embed}/config")))
        .header("origin", SHOP)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    response.json::<Value>().await.expect("json")["poster_url"].clone()
}

#[tokio::test]
async fn a_poster_is_checked_frozen_by_publishing_and_served_with_a_strong_etag() {
    let server = TestServer::start().await;
    let owner = server.signup("poster@example.com", "Poster Shop").await;
    let (status, bot) = server
        .post("/v1/bots", &owner.access, json!({ "personality": { "name": "Ava" }, "allowed_origins": [SHOP] }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{bot}");
    let id = bot["id"].as_str().expect("id").to_owned();
    let embed = bot["embed_id"].as_str().expect("embed id").to_owned();

    let (status, body) = put(&server, &owner.access, &id, "image/png", b"GIF89a not a png".to_vec()).await;
    assert_error(status, &body, 422, "poster_invalid");
    let whole = png(32, 32, 90);
    let (status, body) = put(&server, &owner.access, &id, "image/png", whole[..whole.len() - 16].to_vec()).await;
    assert_error(status, &body, 422, "poster_invalid");
    let (status, body) = put(&server, &owner.access, &id, "image/png", png(2_049, 1, 90)).await;
    assert_error(status, &body, 422, "poster_invalid");
    let (status, body) = put(&server, &owner.access, &id, "image/jpeg", png(8, 8, 90)).await;
    assert_error(status, &body, 415, "unsupported_media_type");
    let (status, body) = put(&server, &owner.access, &id, "image/png", vec![0; 2 * 1024 * 1024 + 1]).await;
    assert_error(status, &body, 413, "payload_too_large");
    let viewer = server.add_member(&owner, "poster-viewer@example.com", "viewer").await;
    let (status, body) = put(&server, &viewer.access, &id, "image/png", png(8, 8, 90)).await;
    assert_error(status, &body, 403, "forbidden");
    let stranger = server.signup("poster-stranger@example.com", "Other Shop").await;
    let (status, body) = put(&server, &stranger.access, &id, "image/png", png(8, 8, 90)).await;
    assert_error(status, &body, 404, "not_found");

    let first = png(64, 48, 90);
    let (status, stored) = put(&server, &owner.access, &id, "image/png", first.clone()).await;
    assert_eq!(status, StatusCode::OK, "{stored}");
    assert_eq!((stored["width"].as_u64(), stored["height"].as_u64()), (Some(64), Some(48)));
    let etag = stored["etag"].as_str().expect("etag").to_owned();
    let (_, draft) = server.get(&format!("/v1/bots/{id}"), &owner.access).await;
    assert_eq!(draft["draft"]["poster"]["etag"], etag.as_str(), "{draft}");

    // Nothing is public before publishing.
    let (status, _) = server.post(&format!("/v1/bots/{id}/publish"), &owner.access, json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
    let url = poster_url(&server, &embed).await;
    let url = url.as_str().expect("a poster URL once published").to_owned();
    assert!(url.ends_with(&etag), "{url}");

    let response = server.client.get(server.url(&url)).send().await.expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["etag"].to_str().expect("etag"), format!("\"{etag}\""));
    assert!(headers["cache-control"].to_str().expect("cache").contains("immutable"));
    assert_eq!(response.bytes().await.expect("bytes").to_vec(), first);
    let revalidated =
        server.client.get(server.url(&url)).header("if-none-match", format!("\"{etag}\"")).send().await.expect("sent");
    assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);

    // A new poster on the draft is not served until it is published.
    let (status, second) = put(&server, &owner.access, &id, "image/png", png(64, 48, 200)).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let second_etag = second["etag"].as_str().expect("etag");
    assert_ne!(second_etag, etag);
    assert_eq!(poster_url(&server, &embed).await, url.as_str());
    let (status, body) =
        server.call(Method::GET, &format!("/v1/embed/{embed}/posters/{second_etag}"), None, None).await;
    assert_error(status, &body, 404, "not_found");
    let (status, _) = server.post(&format!("/v1/bots/{id}/publish"), &owner.access, json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(poster_url(&server, &embed).await.as_str().expect("url").ends_with(second_etag));
    // The old one is no longer the live version's.
    let (status, body) = server.call(Method::GET, &url, None, None).await;
    assert_error(status, &body, 404, "not_found");
}
