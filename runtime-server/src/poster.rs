//! Posters: a PNG of a bot's avatar in its idle pose, which the widget shows
//! where the 3D avatar does not run (no WebGL, reduced motion, data saving).
//!
//! The Studio renders it and uploads it to the draft; publishing freezes it
//! into the version with the rest of the draft (it is part of
//! [`BotConfig`](animo_shared::bot::BotConfig)), and a rollback brings back
//! the poster of the version rolled back to. Blobs are addressed by their
//! content hash (`tenants/<tenant>/posters/<sha256>.png`), so a version's
//! poster never changes under it and every URL can be cached for good; they
//! are small and kept until the tenant is deleted.

use animo_shared::bot::BotStatus;
use animo_shared::chat::{MAX_POSTER_BYTES, MAX_POSTER_SIDE, PosterView};
use animo_shared::{BotId, ErrorCode, Timestamp};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use object_store::ObjectStore;
use object_store::path::Path;
use sha2::{Digest, Sha256};

use crate::audit::{AUDIT_INSERT, bind_audit};
use crate::bots::{ACTIVE_BOT, bot_error};
use crate::context::TenantCtx;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::TenantDb;

const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::PosterInvalid, message)
}

/// Checks that `bytes` is one whole, decodable PNG of at most
/// [`MAX_POSTER_SIDE`] pixels a side; its width and height.
pub fn check_png(bytes: &[u8]) -> ApiResult<(u32, u32)> {
    if bytes.len() > MAX_POSTER_BYTES {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("A poster may have at most {MAX_POSTER_BYTES} bytes."),
        ));
    }
    if !bytes.starts_with(PNG_SIGNATURE) {
        return Err(invalid("The poster is not a PNG image (its signature is missing)."));
    }
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().map_err(|error| invalid(format!("The PNG cannot be read: {error}.")))?;
    let (width, height) = reader.info().size();
    // Checked before the pixels are decoded, so a small file claiming a
    // huge image never makes the server allocate for it.
    if width == 0 || height == 0 || width > MAX_POSTER_SIDE || height > MAX_POSTER_SIDE {
        return Err(invalid(format!(
            "The poster is {width}×{height} pixels; each side must be 1 to {MAX_POSTER_SIDE} pixels."
        )));
    }
    let size = reader.output_buffer_size().ok_or_else(|| invalid("The PNG's image is too large to decode."))?;
    let mut pixels = vec![0; size];
    reader.next_frame(&mut pixels).map_err(|error| invalid(format!("The PNG's image data is damaged: {error}.")))?;
    Ok((width, height))
}

fn blob_path(db: &TenantDb, sha256: &str) -> Path {
    Path::from(format!("{}/posters/{sha256}.png", crate::blobs::tenant_prefix(db.tenant())))
}

/// Stores a PNG as the poster of the bot's draft.
pub async fn store(
    state: &AppState,
    ctx: &TenantCtx,
    bot: &BotId,
    content_type: Option<&str>,
    body: axum::body::Body,
) -> ApiResult<PosterView> {
    let is_png = content_type
        .and_then(|value| value.split(';').next())
        .is_some_and(|value| value.trim().eq_ignore_ascii_case("image/png"));
    if !is_png {
        return Err(ApiError::new(ErrorCode::UnsupportedMediaType, "Send the poster as `Content-Type: image/png`."));
    }
    let existing = crate::bots::get(ctx, bot).await?;
    if existing.status == BotStatus::Archived {
        return Err(ApiError::code(ErrorCode::BotArchived));
    }
    // One byte over the limit is enough to know the body is too large.
    let bytes = axum::body::to_bytes(body, MAX_POSTER_BYTES + 1).await.map_err(|_| {
        ApiError::new(ErrorCode::PayloadTooLarge, format!("A poster may have at most {MAX_POSTER_BYTES} bytes."))
    })?;
    let checked = bytes.clone();
    let (width, height) =
        tokio::task::spawn_blocking(move || check_png(&checked)).await.map_err(anyhow::Error::from)??;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let poster = PosterView { etag: sha256.clone(), width, height, bytes: bytes.len() as u64 };
    state.blobs.put(&blob_path(&ctx.db, &sha256), bytes.into()).await.map_err(anyhow::Error::from)?;
    let sql = format!(
        "BEGIN TRANSACTION;
         {ACTIVE_BOT}
         UPDATE type::record('bot', $id) SET draft.poster = $poster, updated_at = $now;
         {AUDIT_INSERT}
         COMMIT TRANSACTION;"
    );
    let query = ctx.db.db().query(sql).bind("id", bot).bind("poster", &poster).bind("now", Timestamp::now());
    bind_audit(query, ctx, "bot.poster", bot.as_str()).run().await.map_err(bot_error)?;
    Ok(poster)
}

/// The URL path of a published poster, for the embed config.
pub fn embed_url(embed: &animo_shared::EmbedId, poster: &PosterView) -> String {
    format!("/v1/embed/{embed}/posters/{}", poster.etag)
}

/// Serves the poster `sha256` from the tenant database `db`; the caller has
/// checked that the live version shows it. Its content never changes, so it
/// has a strong ETag and may be cached for good, by any site.
pub async fn serve(state: &AppState, db: &TenantDb, sha256: &str, headers: &HeaderMap) -> ApiResult<Response> {
    let etag = format!("\"{sha256}\"");
    let common = [
        (header::ETAG, etag.clone()),
        (header::CACHE_CONTROL, "public, max-age=31536000, immutable".to_owned()),
        (header::CONTENT_TYPE, "image/png".to_owned()),
        (header::HeaderName::from_static("cross-origin-resource-policy"), "cross-origin".to_owned()),
        (header::HeaderName::from_static("x-content-type-options"), "nosniff".to_owned()),
    ];
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*"));
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    let bytes = match state.blobs.get(&blob_path(db, sha256)).await {
        Ok(found) => found.bytes().await.map_err(anyhow::Error::from)?,
        Err(object_store::Error::NotFound { .. }) => return Err(ApiError::not_found()),
        Err(error) => return Err(anyhow::Error::from(error).into()),
    };
    Ok((StatusCode::OK, common, bytes).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("header");
        writer.write_image_data(&vec![200; (width * height * 4) as usize]).expect("pixels");
        writer.finish().expect("finished");
        out
    }

    fn code(result: ApiResult<(u32, u32)>) -> ErrorCode {
        result.expect_err("refused").error_code()
    }

    #[test]
    fn a_png_is_measured_and_anything_else_refused() {
        assert_eq!(check_png(&png(8, 4)).expect("valid"), (8, 4));
        assert_eq!(code(check_png(b"GIF89a")), ErrorCode::PosterInvalid);
        assert_eq!(code(check_png(&[])), ErrorCode::PosterInvalid);
        let whole = png(16, 16);
        assert_eq!(code(check_png(&whole[..whole.len() - 20])), ErrorCode::PosterInvalid, "truncated");
        assert_eq!(code(check_png(&png(MAX_POSTER_SIDE + 1, 1))), ErrorCode::PosterInvalid);
        assert_eq!(code(check_png(&vec![0; MAX_POSTER_BYTES + 1])), ErrorCode::PayloadTooLarge);
    }
}
