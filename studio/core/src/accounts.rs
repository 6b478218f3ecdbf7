//! The servers and accounts the Studio remembers, so the sign-in screen can
//! offer them: server URL, e-mail address and tenant, never a password or a
//! token (those are in the keyring, see `secrets`).

use std::path::{Path, PathBuf};

use animo_shared::api::Role;
use animo_shared::text::{Email, TenantName};
use animo_shared::{TenantId, Timestamp};
use serde::{Deserialize, Serialize};

use crate::error::{StudioError, StudioResult};
use crate::files;

/// One remembered sign-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KnownAccount {
    /// The server's base URL, as normalized by the Studio (no trailing slash).
    pub server_url: String,
    /// The account's e-mail address.
    pub email: Email,
    /// The tenant signed in to.
    pub tenant_id: TenantId,
    /// The tenant's name, for display.
    pub tenant_name: TenantName,
    /// The role in that tenant at the last sign-in.
    pub role: Role,
    /// When this account was last signed in to.
    pub last_used_at: Timestamp,
}

impl KnownAccount {
    /// The key of this account's tokens in the keyring and of its edits in
    /// the outbox: server, e-mail address and tenant.
    pub fn key(&self) -> String {
        account_key(&self.server_url, &self.email, &self.tenant_id)
    }
}

/// See [`KnownAccount::key`].
pub fn account_key(server_url: &str, email: &Email, tenant: &TenantId) -> String {
    format!("{server_url}|{}|{tenant}", email.as_str())
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct AccountsFile {
    accounts: Vec<KnownAccount>,
}

/// The remembered accounts, in one JSON file.
#[derive(Debug, Clone)]
pub struct AccountBook {
    path: PathBuf,
}

impl AccountBook {
    /// The book kept at `path` (created on first write).
    pub fn new(path: &Path) -> Self {
        Self { path: path.to_path_buf() }
    }

    /// Every remembered account, most recently used first.
    pub async fn list(&self) -> StudioResult<Vec<KnownAccount>> {
        let mut accounts = self.read().await?.accounts;
        accounts.sort_by_key(|account| std::cmp::Reverse(account.last_used_at));
        Ok(accounts)
    }

    /// Adds or refreshes an account.
    pub async fn remember(&self, account: KnownAccount) -> StudioResult<()> {
        let mut file = self.read().await?;
        file.accounts.retain(|known| known.key() != account.key());
        file.accounts.push(account);
        self.write(&file).await
    }

    /// Forgets an account by its key.
    pub async fn forget(&self, key: &str) -> StudioResult<()> {
        let mut file = self.read().await?;
        file.accounts.retain(|known| known.key() != key);
        self.write(&file).await
    }

    async fn read(&self) -> StudioResult<AccountsFile> {
        match files::read_json::<AccountsFile>(&self.path).await? {
            Some(file) => Ok(file),
            None => Ok(AccountsFile::default()),
        }
    }

    async fn write(&self, file: &AccountsFile) -> StudioResult<()> {
        files::write_json(&self.path, file)
            .await
            .map_err(|error| StudioError::local("The list of accounts could not be saved", error.message))
    }
}
