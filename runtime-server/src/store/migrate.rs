//! Versioned schema migrations, applied at start-up (platform) or on a
//! tenant database's first use, each at most once, recorded in `_migration`
//! with a checksum so an edited migration is noticed instead of half-applied.

use sha2::{Digest, Sha256};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

use super::{Db, StoreError};

/// One migration: a version name and its SurrealQL.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Sorts migrations; never reuse or rename one.
    pub version: &'static str,
    /// The statements.
    pub sql: &'static str,
}

/// Migrations of the platform database, oldest first.
pub const PLATFORM_MIGRATIONS: &[Migration] =
    &[Migration { version: "0001_init", sql: include_str!("../../migrations/platform/0001_init.surql") }];

/// Migrations of every tenant database, oldest first.
pub const TENANT_MIGRATIONS: &[Migration] = &[
    Migration { version: "0001_init", sql: include_str!("../../migrations/tenant/0001_init.surql") },
    Migration { version: "0002_avatars", sql: include_str!("../../migrations/tenant/0002_avatars.surql") },
    Migration { version: "0003_chat", sql: include_str!("../../migrations/tenant/0003_chat.surql") },
    Migration { version: "0004_knowledge", sql: include_str!("../../migrations/tenant/0004_knowledge.surql") },
    Migration { version: "0005_meters", sql: include_str!("../../migrations/tenant/0005_meters.surql") },
    Migration { version: "0006_upload_hash", sql: include_str!("../../migrations/tenant/0006_upload_hash.surql") },
];

#[derive(serde::Deserialize)]
struct Applied {
    version: String,
    checksum: String,
}

pub(super) async fn apply(session: &Surreal<Any>, migrations: &[Migration]) -> Result<(), StoreError> {
    let db = Db { session };
    db.query("DEFINE TABLE IF NOT EXISTS _migration SCHEMALESS; DEFINE INDEX IF NOT EXISTS _migration_version ON _migration FIELDS version UNIQUE;")
        .run()
        .await?;
    let applied: Vec<Applied> = db.query("SELECT version, checksum FROM _migration").run().await?.all(0)?;
    for migration in migrations {
        let checksum = hex::encode(Sha256::digest(migration.sql.as_bytes()));
        match applied.iter().find(|a| a.version == migration.version) {
            Some(done) if done.checksum == checksum => continue,
            Some(_) => return Err(StoreError::MigrationEdited(migration.version.to_owned())),
            None => {}
        }
        // The statements and the record of them commit together, so a crash
        // cannot leave a migration applied but unrecorded. Two processes
        // starting at once collide on the unique index and one retries,
        // then finds the migration recorded.
        let sql = format!(
            "BEGIN TRANSACTION;\n{}\nCREATE _migration CONTENT {{ version: $version, checksum: $checksum, applied_at: time::now() }};\nCOMMIT TRANSACTION;",
            migration.sql
        );
        let result = db.query(&sql).bind("version", migration.version).bind("checksum", &checksum).run().await;
        if let Err(error) = result {
            let again: Vec<Applied> = db.query("SELECT version, checksum FROM _migration").run().await?.all(0)?;
            if !again.iter().any(|a| a.version == migration.version && a.checksum == checksum) {
                return Err(error);
            }
        }
    }
    Ok(())
}
