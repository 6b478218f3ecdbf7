//! Small JSON files written so that a crash never leaves half a file: the
//! content goes to a temporary file in the same folder, is flushed to disk,
//! and then renamed over the old one.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::io::AsyncWriteExt;

use crate::error::{StudioError, StudioResult};

/// Reads a JSON file; `None` when it does not exist.
pub async fn read_json<T: DeserializeOwned>(path: &Path) -> StudioResult<Option<T>> {
    match tokio::fs::read(path).await {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|error| StudioError::local(&format!("{} is not readable", path.display()), error)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(StudioError::local(&format!("{} could not be read", path.display()), error)),
    }
}

/// Writes `value` as JSON to `path` atomically, readable by the user only.
pub async fn write_json<T: Serialize>(path: &Path, value: &T) -> StudioResult<()> {
    let failed =
        |error: &dyn std::fmt::Display| StudioError::local(&format!("{} could not be written", path.display()), error);
    let bytes = serde_json::to_vec_pretty(value).map_err(|error| failed(&error))?;
    let dir = path.parent().ok_or_else(|| failed(&"the path has no folder"))?;
    tokio::fs::create_dir_all(dir).await.map_err(|error| failed(&error))?;
    let name = path.file_name().and_then(|name| name.to_str()).unwrap_or("file");
    let temporary = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(&temporary).await.map_err(|error| failed(&error))?;
    let written = async {
        file.write_all(&bytes).await?;
        file.sync_all().await?;
        tokio::fs::rename(&temporary, path).await
    }
    .await;
    if let Err(error) = written {
        // The temporary file is ours and useless now; failing to remove it
        // leaves a stray dot-file, which is harmless, so the first error wins.
        let _cleanup = tokio::fs::remove_file(&temporary).await;
        return Err(failed(&error));
    }
    Ok(())
}
