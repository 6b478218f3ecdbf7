//! Avatars: upload (streamed to the blob store, inspected, counted against
//! the plan), listing, serving the GLB with validators and ranges, mapping
//! suggestions, attaching to a bot's draft, and deletion.

use animo_shared::api::QuotaKind;
use animo_shared::avatar::inspect::{InspectLimits, InspectionReport, inspect_glb};
use animo_shared::avatar::suggest::{MappingSuggestion, suggest_mapping};
use animo_shared::avatar::{AvatarList, AvatarView, BotAvatar};
use animo_shared::{AvatarId, BotId, ErrorCode, Timestamp};
use axum::extract::Multipart;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use object_store::path::Path;
use object_store::{ObjectStore, WriteMultipart};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::audit::{AUDIT_INSERT, bind_audit};
use crate::context::TenantCtx;
use crate::error::{ApiError, ApiResult};
use crate::ids::NewId;
use crate::state::AppState;
use crate::store::{StoreError, TenantDb};
use crate::tenants::{limit, quota_check_sql, quota_error, usage_count};

fn blob_path(db: &TenantDb, id: &AvatarId) -> Path {
    Path::from(format!("tenants/{}/avatars/{}.glb", db.tenant().hex(), id.hex()))
}

const AVATAR_FIELDS: &str = "record::id(id) AS id, file_name, bytes, sha256, report, created_at";

/// Reads an upload's `file` field into the blob store chunk by chunk,
/// refusing as soon as it passes `max_bytes`. The bytes are also kept for
/// inspection, which needs the whole file.
async fn receive(
    state: &AppState,
    multipart: &mut Multipart,
    path: &Path,
    max_bytes: u64,
) -> ApiResult<(String, Vec<u8>)> {
    let bad = |message: String| ApiError::new(ErrorCode::InvalidRequest, message);
    let mut field = loop {
        let field = multipart.next_field().await.map_err(|error| bad(format!("The upload is malformed: {error}")))?;
        match field {
            Some(field) if field.name() == Some("file") => break field,
            Some(_) => continue,
            None => return Err(bad("The upload has no `file` field.".into())),
        }
    };
    let file_name = field.file_name().unwrap_or("avatar.glb").chars().take(200).collect::<String>();
    let upload = state.blobs.put_multipart(path).await.map_err(anyhow::Error::from)?;
    let mut writer = WriteMultipart::new(upload);
    let mut bytes = Vec::new();
    loop {
        let chunk = match field.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(error) => {
                writer.abort().await.map_err(anyhow::Error::from)?;
                return Err(bad(format!("The upload broke off: {error}")));
            }
        };
        if bytes.len() as u64 + chunk.len() as u64 > max_bytes {
            writer.abort().await.map_err(anyhow::Error::from)?;
            return Err(ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("The avatar is larger than the {max_bytes} bytes this tenant may still store."),
            ));
        }
        bytes.extend_from_slice(&chunk);
        writer.write(&chunk);
    }
    writer.finish().await.map_err(anyhow::Error::from)?;
    Ok((file_name, bytes))
}

/// The limits an upload of this tenant gets: the plan's remaining avatar
/// bytes and the inspector's complexity limits.
async fn upload_limits(state: &AppState, ctx: &TenantCtx) -> ApiResult<(InspectLimits, u64, u64)> {
    let plan_limit = limit(state, ctx.tenant(), QuotaKind::AvatarBytes).await?;
    let used = usage_count(ctx, QuotaKind::AvatarBytes).await?;
    let limits = InspectLimits {
        max_file_bytes: InspectLimits::default().max_file_bytes.min(plan_limit),
        ..InspectLimits::default()
    };
    let remaining = plan_limit.saturating_sub(used).min(limits.max_file_bytes);
    Ok((limits, plan_limit, remaining))
}

/// Uploads, inspects and stores an avatar.
pub async fn upload(state: &AppState, ctx: &TenantCtx, mut multipart: Multipart) -> ApiResult<AvatarView> {
    let id = AvatarId::generate();
    let path = blob_path(&ctx.db, &id);
    let (limits, plan_limit, remaining) = upload_limits(state, ctx).await?;
    let (file_name, bytes) = receive(state, &mut multipart, &path, remaining).await?;
    register(state, ctx, Stored { id, path, file_name, bytes }, limits, plan_limit).await
}

/// Stores an avatar the server itself provides (the demo avatar) as if it had been uploaded.
pub async fn import(state: &AppState, ctx: &TenantCtx, file_name: &str, bytes: Vec<u8>) -> ApiResult<AvatarView> {
    let id = AvatarId::generate();
    let path = blob_path(&ctx.db, &id);
    let (limits, plan_limit, remaining) = upload_limits(state, ctx).await?;
    if bytes.len() as u64 > remaining {
        return Err(ApiError::quota(QuotaKind::AvatarBytes, plan_limit));
    }
    state.blobs.put(&path, bytes.clone().into()).await.map_err(anyhow::Error::from)?;
    register(state, ctx, Stored { id, path, file_name: file_name.to_owned(), bytes }, limits, plan_limit).await
}

/// A file already written to the blob store, not yet inspected or recorded.
struct Stored {
    id: AvatarId,
    path: Path,
    file_name: String,
    bytes: Vec<u8>,
}

/// Inspects a stored file and records it, counting its bytes against the
/// plan; on any refusal the blob is removed again.
async fn register(
    state: &AppState,
    ctx: &TenantCtx,
    stored: Stored,
    limits: InspectLimits,
    plan_limit: u64,
) -> ApiResult<AvatarView> {
    let Stored { id, path, file_name, bytes } = stored;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let size = bytes.len() as u64;
    let inspected =
        tokio::task::spawn_blocking(move || inspect_glb(&bytes, &limits)).await.map_err(anyhow::Error::from)?;
    let report = match inspected {
        Ok(report) => report,
        Err(error) => {
            discard(state, &path).await;
            let mut api = ApiError::new(error.code, error.message.clone());
            if let Some(limit) = &error.limit {
                api = api.with_details(json!({ "limit": limit }));
            }
            return Err(api);
        }
    };
    let view = AvatarView { id: id.clone(), file_name, bytes: size, sha256, report, created_at: Timestamp::now() };
    let sql = format!(
        "BEGIN TRANSACTION;\n{}\nCREATE type::record('avatar', $id) CONTENT $avatar;\n{AUDIT_INSERT}\nCOMMIT TRANSACTION;",
        quota_check_sql(QuotaKind::AvatarBytes)
    );
    let mut content = serde_json::to_value(&view).map_err(anyhow::Error::from)?;
    if let Some(object) = content.as_object_mut() {
        object.remove("id");
        object.insert("blob".into(), json!(path.as_ref()));
    }
    let query = ctx
        .db
        .db()
        .query(sql)
        .bind("id", &id)
        .bind("avatar", content)
        .bind("limit", plan_limit)
        .bind("quota_amount", size);
    if let Err(error) = bind_audit(query, ctx, "avatar.upload", id.as_str()).run().await {
        discard(state, &path).await;
        return Err(quota_error(error, QuotaKind::AvatarBytes, plan_limit));
    }
    Ok(view)
}

async fn discard(state: &AppState, path: &Path) {
    if let Err(error) = state.blobs.delete(path).await {
        tracing::warn!(%error, %path, "could not remove the blob of a refused upload");
    }
}

/// One avatar.
pub async fn get(ctx: &TenantCtx, id: &AvatarId) -> ApiResult<AvatarView> {
    get_in(&ctx.db, id).await
}

async fn get_in(db: &TenantDb, id: &AvatarId) -> ApiResult<AvatarView> {
    let sql = format!("SELECT {AVATAR_FIELDS} FROM type::record('avatar', $id)");
    let avatar: Option<AvatarView> = db.db().query(sql).bind("id", id).run().await?.first(0)?;
    avatar.ok_or_else(ApiError::not_found)
}

/// The tenant's avatars.
pub async fn list(ctx: &TenantCtx) -> ApiResult<AvatarList> {
    let sql = format!("SELECT {AVATAR_FIELDS} FROM avatar ORDER BY id");
    let avatars = ctx.db.db().query(sql).run().await?.all(0)?;
    Ok(AvatarList { avatars })
}

/// A first mapping proposed from the avatar's clip and morph-target names.
pub async fn suggested_mapping(ctx: &TenantCtx, id: &AvatarId) -> ApiResult<MappingSuggestion> {
    let avatar = get(ctx, id).await?;
    let (clips, morphs) = names(&avatar.report);
    Ok(suggest_mapping(&clips, &morphs))
}

fn names(report: &InspectionReport) -> (Vec<String>, Vec<String>) {
    (report.clip_names(), report.morph_target_names())
}

/// Checks a mapping against the avatar it names.
pub async fn check_mapping(ctx: &TenantCtx, avatar: &BotAvatar, for_publish: bool) -> ApiResult<()> {
    let view = get(ctx, &avatar.avatar_id)
        .await
        .map_err(|_| ApiError::new(ErrorCode::InvalidRequest, format!("There is no avatar {}.", avatar.avatar_id)))?;
    let (clips, morphs) = names(&view.report);
    avatar.mapping.validate(&clips, &morphs, for_publish).map_err(|problems| {
        let summary: Vec<String> = problems.iter().map(|p| format!("{}: {}", p.slot.name(), p.problem)).collect();
        ApiError::new(
            ErrorCode::MappingInvalid,
            format!("The mapping does not fit the avatar: {}.", summary.join("; ")),
        )
        .with_details(json!({ "problems": problems }))
    })
}

/// Sets (or with `None` removes) the avatar of a bot's draft.
pub async fn attach(ctx: &TenantCtx, bot: &BotId, avatar: Option<BotAvatar>) -> ApiResult<()> {
    // The bot first, so an unknown bot is `not_found` whatever the body says.
    crate::bots::get(ctx, bot).await?;
    if let Some(avatar) = &avatar {
        check_mapping(ctx, avatar, false).await?;
    }
    let sql = format!(
        "BEGIN TRANSACTION;
         {}
         UPDATE type::record('bot', $id) SET draft.avatar = $avatar, updated_at = $now;
         {AUDIT_INSERT}
         COMMIT TRANSACTION;",
        crate::bots::ACTIVE_BOT
    );
    let action = if avatar.is_some() { "bot.attach_avatar" } else { "bot.detach_avatar" };
    let query = ctx.db.db().query(sql).bind("id", bot).bind("avatar", &avatar).bind("now", Timestamp::now());
    bind_audit(query, ctx, action, bot.as_str()).run().await.map_err(crate::bots::bot_error)?;
    Ok(())
}

/// Deletes an avatar that no bot uses, in its draft or any published version.
pub async fn delete(state: &AppState, ctx: &TenantCtx, id: &AvatarId) -> ApiResult<()> {
    let avatar = get(ctx, id).await?;
    let sql = format!(
        "BEGIN TRANSACTION;
         IF array::len(SELECT id FROM bot_version WHERE config.avatar.avatar_id = $id LIMIT 1) > 0 {{ THROW 'animo:in_use_published'; }};
         IF array::len(SELECT id FROM bot WHERE draft.avatar.avatar_id = $id LIMIT 1) > 0 {{ THROW 'animo:in_use_draft'; }};
         DELETE type::record('avatar', $id);
         UPSERT usage:avatar_bytes SET count = math::max([0, (count ?? 0) - $bytes]);
         {AUDIT_INSERT}
         COMMIT TRANSACTION;"
    );
    let query = ctx.db.db().query(sql).bind("id", id).bind("bytes", avatar.bytes);
    bind_audit(query, ctx, "avatar.delete", id.as_str()).run().await.map_err(|error| match error {
        StoreError::Thrown(message) if message == "in_use_published" => ApiError::new(
            ErrorCode::Conflict,
            "A published bot version uses this avatar; publish versions without it first.",
        ),
        StoreError::Thrown(message) if message == "in_use_draft" => {
            ApiError::new(ErrorCode::Conflict, "A bot's draft uses this avatar; detach it first.")
        }
        other => other.into(),
    })?;
    discard(state, &blob_path(&ctx.db, id)).await;
    Ok(())
}

/// A byte range asked for with `Range: bytes=…`.
#[derive(Debug, PartialEq, Eq)]
enum RangeRequest {
    Whole,
    Part(u64, u64),
    Unsatisfiable,
}

/// Parses a single `bytes=` range against a length; several ranges or
/// another unit are served whole, as the HTTP specification allows.
fn parse_range(header: Option<&HeaderValue>, length: u64) -> RangeRequest {
    let Some(spec) = header.and_then(|value| value.to_str().ok()).and_then(|text| text.strip_prefix("bytes=")) else {
        return RangeRequest::Whole;
    };
    if spec.contains(',') {
        return RangeRequest::Whole;
    }
    let Some((start, end)) = spec.trim().split_once('-') else { return RangeRequest::Unsatisfiable };
    let (start, end) = match (start.parse::<u64>().ok(), end.parse::<u64>().ok()) {
        (Some(start), Some(end)) => (start, end.min(length.saturating_sub(1))),
        (Some(start), None) if end.is_empty() => (start, length.saturating_sub(1)),
        (None, Some(suffix)) if start.is_empty() && suffix > 0 => {
            (length.saturating_sub(suffix), length.saturating_sub(1))
        }
        _ => return RangeRequest::Unsatisfiable,
    };
    if length == 0 || start > end || start >= length {
        RangeRequest::Unsatisfiable
    } else {
        RangeRequest::Part(start, end)
    }
}

/// The GLB bytes, with a strong entity tag, immutable caching (the content
/// of an avatar id never changes) and single byte ranges.
/// Serves an avatar's GLB from the tenant database `db`; the caller has
/// checked that the requester may see it (a member, or an embed of a bot
/// whose live version shows it).
pub async fn model(state: &AppState, db: &TenantDb, id: &AvatarId, headers: &HeaderMap) -> ApiResult<Response> {
    let avatar = get_in(db, id).await?;
    let etag = format!("\"{}\"", avatar.sha256);
    let common = [
        (header::ETAG, etag.clone()),
        (header::CACHE_CONTROL, "private, max-age=31536000, immutable".to_owned()),
        (header::ACCEPT_RANGES, "bytes".to_owned()),
        (header::CONTENT_TYPE, "model/gltf-binary".to_owned()),
    ];
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*"));
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    let path = blob_path(db, id);
    match parse_range(headers.get(header::RANGE), avatar.bytes) {
        RangeRequest::Whole => {
            let bytes = state.blobs.get(&path).await.map_err(anyhow::Error::from)?.bytes().await;
            Ok((StatusCode::OK, common, bytes.map_err(anyhow::Error::from)?).into_response())
        }
        RangeRequest::Part(start, end) => {
            let bytes = state.blobs.get_range(&path, start..end + 1).await.map_err(anyhow::Error::from)?;
            let range = format!("bytes {start}-{end}/{}", avatar.bytes);
            Ok((StatusCode::PARTIAL_CONTENT, common, [(header::CONTENT_RANGE, range)], bytes).into_response())
        }
        RangeRequest::Unsatisfiable => {
            let mut response = ApiError::code(ErrorCode::RangeNotSatisfiable).into_response();
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{}", avatar.bytes)) {
                response.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            Ok(response)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(header: Option<&str>, length: u64, expected: RangeRequest) {
        let value = header.map(|text| HeaderValue::from_str(text).expect("header"));
        assert_eq!(parse_range(value.as_ref(), length), expected, "{header:?}");
    }

    #[test]
    fn ranges() {
        check(None, 100, RangeRequest::Whole);
        check(Some("bytes=0-9"), 100, RangeRequest::Part(0, 9));
        check(Some("bytes=90-"), 100, RangeRequest::Part(90, 99));
        check(Some("bytes=-10"), 100, RangeRequest::Part(90, 99));
        check(Some("bytes=50-500"), 100, RangeRequest::Part(50, 99));
        check(Some("bytes=100-"), 100, RangeRequest::Unsatisfiable);
        check(Some("bytes=9-1"), 100, RangeRequest::Unsatisfiable);
        check(Some("bytes=abc"), 100, RangeRequest::Unsatisfiable);
        check(Some("bytes=0-1,5-6"), 100, RangeRequest::Whole);
        check(Some("items=0-1"), 100, RangeRequest::Whole);
        check(Some("bytes=-0"), 100, RangeRequest::Unsatisfiable);
    }
}
