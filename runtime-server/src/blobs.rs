//! Blob storage layout and the tenant data export.
//!
//! Every blob of a tenant lives under `tenants/<tenant hex>/`, so a tenant's
//! blobs can be exported or deleted by prefix and never mix with another's.

use std::io::Write;

use animo_shared::TenantId;
use futures::TryStreamExt;
use object_store::ObjectStore;
use object_store::path::Path;
use serde_json::Value;

use crate::context::TenantCtx;
use crate::error::ApiResult;
use crate::state::AppState;

/// The tables of a tenant database that an export contains.
const TENANT_TABLES: &[&str] = &["bot", "bot_version", "avatar", "api_key", "invite", "usage", "audit"];

/// The folder of a tenant's blobs.
pub fn tenant_prefix(tenant: &TenantId) -> Path {
    Path::from(format!("tenants/{}", tenant.hex()))
}

/// Deletes every blob under a prefix.
pub async fn delete_prefix(state: &AppState, prefix: &Path) -> ApiResult<()> {
    let objects: Vec<_> = state.blobs.list(Some(prefix)).try_collect().await.map_err(anyhow::Error::from)?;
    for object in objects {
        match state.blobs.delete(&object.location).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(error) => return Err(anyhow::Error::from(error).into()),
        }
    }
    Ok(())
}

/// Everything the tenant owns as a gzipped tar: `tenant.json`, `members.json`,
/// `records/<table>.json` for each table and `blobs/…` for each blob.
/// Secrets are never exported: API keys and invitations appear without their hashes.
pub async fn export(state: &AppState, ctx: &TenantCtx) -> ApiResult<Vec<u8>> {
    let tenant = crate::tenants::view(state, ctx).await?;
    let members = crate::members::list(state, ctx).await?;
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("tenant.json".into(), serde_json::to_vec_pretty(&tenant).map_err(anyhow::Error::from)?),
        ("members.json".into(), serde_json::to_vec_pretty(&members).map_err(anyhow::Error::from)?),
    ];
    for table in TENANT_TABLES {
        // Table names come from the constant list above, never from input.
        let sql = format!("SELECT *, record::id(id) AS id OMIT secret_hash, token_hash FROM {table} ORDER BY id");
        let rows: Vec<Value> = ctx.db.db().query(&sql).run().await?.all(0)?;
        files.push((format!("records/{table}.json"), serde_json::to_vec_pretty(&rows).map_err(anyhow::Error::from)?));
    }
    let prefix = tenant_prefix(ctx.tenant());
    let objects: Vec<_> = state.blobs.list(Some(&prefix)).try_collect().await.map_err(anyhow::Error::from)?;
    for object in objects {
        let bytes = state.blobs.get(&object.location).await.map_err(anyhow::Error::from)?.bytes().await;
        let bytes = bytes.map_err(anyhow::Error::from)?;
        let relative = object.location.prefix_match(&prefix).map(|parts| parts.map(|p| p.as_ref().to_owned()));
        let name = relative.map(|parts| parts.collect::<Vec<_>>().join("/")).unwrap_or_default();
        files.push((format!("blobs/{name}"), bytes.to_vec()));
    }
    tokio::task::spawn_blocking(move || pack(&files)).await.map_err(anyhow::Error::from)?.map_err(Into::into)
}

fn pack(files: &[(String, Vec<u8>)]) -> anyhow::Result<Vec<u8>> {
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut archive = tar::Builder::new(encoder);
    let mtime = u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap_or(0);
    for (name, bytes) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(mtime);
        header.set_cksum();
        archive.append_data(&mut header, format!("animo-export/{name}"), bytes.as_slice())?;
    }
    let mut encoder = archive.into_inner()?;
    encoder.flush()?;
    Ok(encoder.finish()?)
}
