//! Where the access and refresh tokens live: the operating system's keyring.
//!
//! On Linux two stores of the keyring crate family (keyring-core) are tried,
//! decided at run time:
//!
//! 1. **Secret Service** (GNOME Keyring, KWallet…), over D-Bus in pure Rust
//!    (zbus). Secrets are encrypted on disk and survive reboots. This is what
//!    a desktop session offers.
//! 2. **Kernel keyutils**, the fallback where no Secret Service runs (headless
//!    machines, containers, minimal window managers). Secrets are held by the
//!    kernel in the session keyring, never on disk, and are gone after a
//!    reboot or the end of the login session; the Studio then asks to sign in
//!    again. Unsaved edits are not affected: they are in the outbox on disk.
//!
//! The choice is made once per [`SecretStore::open`]: the Secret Service is
//! probed with a read of an entry that does not exist (which must answer
//! "no entry"); when that fails, for example because no session bus runs, the
//! failure is logged and keyutils is probed the same way. When neither works
//! the Studio refuses to sign in with a coded error rather than keeping
//! tokens anywhere less safe. [`SecretStore::backend`] says which store is in
//! use, so the front-end can show it.
//!
//! Where neither works (this happens in containers whose kernel keyring
//! refuses the persistent keyring the keyutils store links keys into), the
//! user may choose [`SecretBackendChoice::File`] explicitly: a JSON file with
//! mode 0600. `Auto` never falls back to it silently, because a file is only
//! as safe as the user's home folder. The integration tests use it, as the
//! machine they run on has no working keyring store.
//!
//! On other platforms no keyring store is linked yet: opening fails with a
//! coded error that says so, unless the file store is chosen.

use std::fmt;
use std::sync::Arc;

use animo_shared::text::Secret;
use serde::{Deserialize, Serialize};

use crate::error::{StudioError, StudioResult};

/// Which store keeps the secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum SecretBackend {
    /// The desktop's Secret Service over D-Bus: encrypted, survives reboots.
    SecretService,
    /// The kernel's keyutils session keyring: in memory, gone after a reboot.
    Keyutils,
    /// A file readable by the user only (0600), chosen explicitly for
    /// headless machines where no keyring store works.
    File,
}

/// Which store to use.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SecretBackendChoice {
    /// The Secret Service when it answers, else keyutils.
    #[default]
    Auto,
    /// Only the Secret Service.
    SecretService,
    /// Only keyutils (headless machines).
    Keyutils,
    /// A JSON file with mode 0600 at this path: never chosen by `Auto`, only
    /// when the user (or a test) asks for it, because anyone who can read
    /// the user's files can read it.
    File(std::path::PathBuf),
}

/// The tokens of one signed-in account.
#[derive(Clone, Serialize, Deserialize)]
pub struct StoredTokens {
    /// The short-lived access token.
    pub access_token: Secret,
    /// The refresh token (rotated on every refresh).
    pub refresh_token: Secret,
}

impl fmt::Debug for StoredTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoredTokens(***)")
    }
}

/// The keyring entries of one Studio installation (one service name).
#[derive(Clone)]
pub struct SecretStore {
    service: String,
    backend: SecretBackend,
    store: Store,
}

#[derive(Clone)]
enum Store {
    Keyring(Arc<keyring_core::CredentialStore>),
    File(std::path::PathBuf),
}

impl fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretStore").field("service", &self.service).field("backend", &self.backend).finish()
    }
}

impl SecretStore {
    /// Opens the store for `service` (entries of different service names
    /// never meet, which keeps tests and installations apart).
    pub async fn open(service: &str, choice: SecretBackendChoice) -> StudioResult<Self> {
        let service = service.to_owned();
        tokio::task::spawn_blocking(move || open_blocking(service, choice))
            .await
            .map_err(|error| StudioError::local("The keyring could not be opened", error))?
    }

    /// The store in use.
    pub fn backend(&self) -> SecretBackend {
        self.backend
    }

    /// The tokens kept for `account`, if any.
    pub async fn load(&self, account: &str) -> StudioResult<Option<StoredTokens>> {
        if let Store::File(path) = &self.store {
            return Ok(read_file(path).await?.remove(&self.file_key(account)));
        }
        let entry = self.entry(account)?;
        let text = tokio::task::spawn_blocking(move || entry.get_password())
            .await
            .map_err(|error| StudioError::local("The keyring could not be read", error))?;
        match text {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|error| StudioError::local("The keyring holds unreadable tokens", error)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(error) => Err(StudioError::local("The keyring could not be read", error)),
        }
    }

    /// Keeps `tokens` for `account`, replacing what was there.
    pub async fn save(&self, account: &str, tokens: &StoredTokens) -> StudioResult<()> {
        if let Store::File(path) = &self.store {
            let mut all = read_file(path).await?;
            all.insert(self.file_key(account), tokens.clone());
            return crate::files::write_json(path, &all).await;
        }
        let entry = self.entry(account)?;
        let text = serde_json::to_string(tokens)
            .map_err(|error| StudioError::local("The tokens could not be encoded", error))?;
        tokio::task::spawn_blocking(move || entry.set_password(&text))
            .await
            .map_err(|error| StudioError::local("The keyring could not be written", error))?
            .map_err(|error| StudioError::local("The keyring could not be written", error))
    }

    /// Removes the tokens of `account`; nothing to remove is not an error.
    pub async fn delete(&self, account: &str) -> StudioResult<()> {
        if let Store::File(path) = &self.store {
            let mut all = read_file(path).await?;
            if all.remove(&self.file_key(account)).is_some() {
                crate::files::write_json(path, &all).await?;
            }
            return Ok(());
        }
        let entry = self.entry(account)?;
        let result = tokio::task::spawn_blocking(move || entry.delete_credential())
            .await
            .map_err(|error| StudioError::local("The keyring could not be written", error))?;
        match result {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(error) => Err(StudioError::local("The keyring could not be written", error)),
        }
    }

    fn entry(&self, account: &str) -> StudioResult<keyring_core::Entry> {
        let Store::Keyring(store) = &self.store else {
            return Err(StudioError::local("The keyring refused the entry", "no keyring store is in use"));
        };
        store
            .build(&self.service, account, None)
            .map_err(|error| StudioError::local("The keyring refused the entry", error))
    }

    fn file_key(&self, account: &str) -> String {
        format!("{}|{account}", self.service)
    }
}

async fn read_file(path: &std::path::Path) -> StudioResult<std::collections::BTreeMap<String, StoredTokens>> {
    Ok(crate::files::read_json(path).await?.unwrap_or_default())
}

/// The entry read to check that a store works; it is never written.
#[cfg(target_os = "linux")]
const PROBE_ACCOUNT: &str = "animo-studio-probe";

#[cfg(target_os = "linux")]
fn probe(store: &Arc<keyring_core::CredentialStore>, service: &str) -> Result<(), keyring_core::Error> {
    // A store may read but refuse writes (keyutils without a usable
    // persistent keyring, a locked collection), so the probe writes,
    // reads back and deletes.
    let entry = store.build(service, PROBE_ACCOUNT, None)?;
    entry.set_password("probe")?;
    let read = entry.get_password()?;
    entry.delete_credential()?;
    if read == "probe" {
        Ok(())
    } else {
        Err(keyring_core::Error::BadStoreFormat("the probe read back something else".into()))
    }
}

#[cfg(target_os = "linux")]
fn open_blocking(service: String, choice: SecretBackendChoice) -> StudioResult<SecretStore> {
    let secret_service = || -> Result<SecretStore, keyring_core::Error> {
        let store: Arc<keyring_core::CredentialStore> = zbus_secret_service_keyring_store::Store::new()?;
        probe(&store, &service)?;
        Ok(SecretStore {
            service: service.clone(),
            backend: SecretBackend::SecretService,
            store: Store::Keyring(store),
        })
    };
    let keyutils = || -> Result<SecretStore, keyring_core::Error> {
        let store: Arc<keyring_core::CredentialStore> = linux_keyutils_keyring_store::Store::new()?;
        probe(&store, &service)?;
        Ok(SecretStore { service: service.clone(), backend: SecretBackend::Keyutils, store: Store::Keyring(store) })
    };
    let unusable = |which: &str, error: keyring_core::Error| {
        StudioError::local(&format!("The {which} cannot keep the Studio's credentials"), error)
    };
    match choice {
        SecretBackendChoice::File(path) => {
            Ok(SecretStore { service, backend: SecretBackend::File, store: Store::File(path) })
        }
        SecretBackendChoice::SecretService => secret_service().map_err(|error| unusable("Secret Service", error)),
        SecretBackendChoice::Keyutils => keyutils().map_err(|error| unusable("kernel keyring (keyutils)", error)),
        SecretBackendChoice::Auto => match secret_service() {
            Ok(store) => Ok(store),
            Err(ss_error) => {
                tracing::warn!(error = %ss_error, "no Secret Service answers; keeping credentials in the kernel keyring (keyutils), which forgets them at reboot");
                keyutils().map_err(|error| {
                    StudioError::local(
                        "Neither the Secret Service nor the kernel keyring can keep the Studio's credentials",
                        format!("Secret Service: {ss_error}; keyutils: {error}"),
                    )
                })
            }
        },
    }
}

#[cfg(not(target_os = "linux"))]
fn open_blocking(service: String, choice: SecretBackendChoice) -> StudioResult<SecretStore> {
    if let SecretBackendChoice::File(path) = choice {
        return Ok(SecretStore { service, backend: SecretBackend::File, store: Store::File(path) });
    }
    Err(StudioError::local("The Studio cannot keep credentials on this platform", "no keyring store is linked"))
}
