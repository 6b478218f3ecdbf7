//! The Studio's session with an Animo server: the app owns one
//! [`animo_studio_core::Studio`] (managed state, so any command can take
//! `State<'_, animo_studio_core::Studio>`), keeps its outbox retrying and
//! tells the front-end whenever connectivity changes.

use std::time::Duration;

use animo_studio_core::app::ConnectivityChanged;
use animo_studio_core::{SecretBackendChoice, Studio as Core, StudioConfig};
use tauri::{App, Manager};

/// Chooses the keyring store: `ANIMO_STUDIO_SECRETS` = `secret-service`,
/// `keyutils` or `file:PATH` (an explicit 0600 file, for machines with
/// neither store); unset, the Secret Service when it answers, else keyutils.
const SECRETS_ENV: &str = "ANIMO_STUDIO_SECRETS";

/// Overrides the folder holding remembered accounts and the outbox, so a
/// test run leaves the person's own Studio files alone.
const DATA_ENV: &str = "ANIMO_STUDIO_DATA_DIR";

/// How often edits waiting in the outbox are offered to the server again.
const OUTBOX_RETRY: Duration = Duration::from_secs(15);

/// Opens the keyring and the Studio's files and starts the outbox and
/// connectivity tasks.
pub fn connect(app: &mut App) -> Result<(), String> {
    let config = config(app)?;
    let handle = app.handle().clone();
    let core = tauri::async_runtime::block_on(async move {
        let core = Core::new(config).await.map_err(|error| error.to_string())?;
        core.spawn_outbox_retry(OUTBOX_RETRY);
        let mut changes = core.watch_connectivity();
        tokio::spawn(async move {
            while changes.changed().await.is_ok() {
                let now = *changes.borrow_and_update();
                // A closed window has nobody to tell; the next change tries again.
                let _ = crate::emit::<ConnectivityChanged>(&handle, &now);
            }
        });
        Ok::<_, String>(core)
    })?;
    app.manage(core);
    Ok(())
}

fn config(app: &App) -> Result<StudioConfig, String> {
    let (config_dir, data_dir) = match std::env::var_os(DATA_ENV) {
        Some(dir) => (dir.clone().into(), dir.into()),
        None => {
            let paths = app.path();
            let config = paths.app_config_dir().map_err(|error| format!("no configuration folder: {error}"))?;
            let data = paths.app_data_dir().map_err(|error| format!("no data folder: {error}"))?;
            (config, data)
        }
    };
    let mut config = StudioConfig::in_dirs(&config_dir, &data_dir);
    config.secret_backend = secret_backend(std::env::var(SECRETS_ENV).ok().as_deref())?;
    Ok(config)
}

fn secret_backend(value: Option<&str>) -> Result<SecretBackendChoice, String> {
    match value {
        None | Some("" | "auto") => Ok(SecretBackendChoice::Auto),
        Some("secret-service") => Ok(SecretBackendChoice::SecretService),
        Some("keyutils") => Ok(SecretBackendChoice::Keyutils),
        Some(other) => match other.strip_prefix("file:") {
            Some(path) if !path.is_empty() => Ok(SecretBackendChoice::File(path.into())),
            _ => Err(format!("{SECRETS_ENV} must be auto, secret-service, keyutils or file:PATH, not {other:?}")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_backend_is_read_from_the_environment_value() {
        assert!(matches!(secret_backend(None), Ok(SecretBackendChoice::Auto)));
        assert!(matches!(secret_backend(Some("keyutils")), Ok(SecretBackendChoice::Keyutils)));
        assert!(matches!(secret_backend(Some("secret-service")), Ok(SecretBackendChoice::SecretService)));
        assert!(
            matches!(secret_backend(Some("file:/tmp/x.json")), Ok(SecretBackendChoice::File(path)) if path.ends_with("x.json"))
        );
        assert!(secret_backend(Some("file:")).is_err());
        assert!(secret_backend(Some("vault")).is_err());
    }
}
