//! `animo-server demo`: a demo tenant, owner and published bot with an
//! avatar and a knowledge document, created once and found again on later
//! runs; and the lookup behind the `/demo` page.

use animo_shared::api::SessionResponse;
use animo_shared::avatar::BotAvatar;
use animo_shared::bot::{AllowedOrigins, BotConfig, CreateBotRequest, Greeting, Origin, Personality, PublishRequest};
use animo_shared::knowledge::{DocumentSource, DocumentStatus, DocumentView};
use animo_shared::text::{Email, Password, TenantName};
use animo_shared::{AvatarId, BotId, DocumentId, EmbedId, ErrorCode, TenantId};
use serde::Deserialize;

use crate::accounts;
use crate::context::TenantCtx;
use crate::error::{ApiError, ApiResult};
use crate::knowledge::documents;
use crate::state::AppState;

/// Animo's own demo avatar, made by `cargo xtask demo-avatar`: a rigged
/// figure with a clip named after every slot.
pub const DEMO_AVATAR: &[u8] = include_bytes!("../assets/demo-avatar.glb");

/// What the demo bot knows: a short description of an imaginary shop
/// (opening hours, shipping, returns, care, contact), ingested like any upload.
pub const DEMO_KNOWLEDGE: &str = include_str!("../assets/demo-knowledge.md");
/// The file name the demo knowledge is stored under.
pub const DEMO_KNOWLEDGE_NAME: &str = "demo-shop.md";
/// The longest the demo waits for its document to be indexed (the local
/// embedding model on a slow machine included).
const INGESTION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// The demo owner's address.
pub const DEMO_EMAIL: &str = "demo@animo.localhost";
/// The demo owner's password; the demo is for a local machine only.
pub const DEMO_PASSWORD: &str = "animo-demo-password";

/// What the demo consists of.
#[derive(Debug)]
pub struct Demo {
    /// The owner's address.
    pub email: String,
    /// The owner's password.
    pub password: String,
    /// The demo tenant.
    pub tenant_id: TenantId,
    /// The demo bot.
    pub bot_id: BotId,
    /// Its embed id.
    pub embed_id: EmbedId,
    /// The demo avatar attached to it.
    pub avatar_id: Option<AvatarId>,
    /// The slots its published version maps to a clip.
    pub mapped_slots: usize,
    /// The demo knowledge document.
    pub document_id: DocumentId,
    /// Its searchable passages.
    pub passages: u64,
    /// Whether this run created it.
    pub created: bool,
}

fn invalid(error: animo_shared::ValidationError) -> anyhow::Error {
    anyhow::anyhow!("demo constant is invalid: {error}")
}

fn api(error: ApiError) -> anyhow::Error {
    anyhow::anyhow!("{error}")
}

/// Seeds the demo, or finds it when it exists.
pub async fn seed(state: &AppState, public_origin: &str) -> anyhow::Result<Demo> {
    let email = Email::try_from(DEMO_EMAIL).map_err(invalid)?;
    let password = Password::try_from(DEMO_PASSWORD).map_err(invalid)?;
    let (session, created): (SessionResponse, bool) =
        match accounts::account_by_email(state, &email).await.map_err(api)? {
            Some(_) => (
                accounts::login(state, animo_shared::api::LoginRequest { email, password, tenant_id: None })
                    .await
                    .map_err(api)?,
                false,
            ),
            None => {
                let tenant = TenantName::try_from("Animo Demo").map_err(invalid)?;
                let session = accounts::create_account_with_tenant(state, &email, &password, None, &tenant, None)
                    .await
                    .map_err(api)?;
                (session, true)
            }
        };
    let claims = state
        .keys
        .verify(session.tokens.access_token.expose())
        .map_err(|problem| anyhow::anyhow!("fresh token refused: {problem:?}"))?;
    let ctx = TenantCtx {
        db: state.store.tenant(&claims.tid).await?,
        role: session.membership.role,
        actor: animo_shared::api::Actor::Account { id: claims.sub },
        status: animo_shared::api::TenantStatus::Active,
        client_addr: None,
        session_family: Some(claims.fam),
    };
    let bots = crate::bots::list(&ctx, false).await.map_err(api)?;
    let bot = match bots.bots.into_iter().next() {
        Some(bot) => bot,
        None => {
            let name = animo_shared::bot::BotName::try_from("Ava").map_err(invalid)?;
            let mut personality = Personality::named(name);
            personality.greeting =
                Greeting::try_from("Hi, I'm Ava, Animo's demo assistant. Ask me anything!").map_err(invalid)?;
            let origins = [public_origin, "http://localhost:8080", "http://127.0.0.1:8080"]
                .iter()
                .map(|o| Origin::try_from((*o).to_owned()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(invalid)?;
            let mut origins_dedup: Vec<Origin> = Vec::new();
            for origin in origins {
                if !origins_dedup.contains(&origin) {
                    origins_dedup.push(origin);
                }
            }
            let config = BotConfig::with_personality(personality);
            let request = CreateBotRequest {
                personality: config.personality,
                model: None,
                widget: None,
                allowed_origins: Some(AllowedOrigins::try_from(origins_dedup).map_err(invalid)?),
                placement: None,
            };
            crate::bots::create(state, &ctx, request).await.map_err(api)?
        }
    };
    let mut changed = bot.live_version.is_none();
    if bot.draft.avatar.is_none() {
        let avatar = crate::avatars::import(state, &ctx, "demo-avatar.glb", DEMO_AVATAR.to_vec()).await.map_err(api)?;
        let suggestion = crate::avatars::suggested_mapping(&ctx, &avatar.id).await.map_err(api)?;
        let attached = BotAvatar { avatar_id: avatar.id, mapping: suggestion.mapping };
        crate::avatars::attach(&ctx, &bot.id, Some(attached)).await.map_err(api)?;
        changed = true;
    }
    let document = seed_knowledge(state, &ctx, &bot.id).await?;
    let pinned = documents::live_keys(&ctx.db, &bot.id).await.map_err(|error| anyhow::anyhow!("{error}"))?;
    let drafted = documents::draft_keys(state, &ctx.db, &bot.id).await.map_err(|error| anyhow::anyhow!("{error}"))?;
    // The live version answers only from the passages it was published with,
    // so a new or changed document needs a new version.
    if drafted.iter().any(|key| !pinned.contains(key)) {
        changed = true;
    }
    if changed {
        crate::bots::publish(state, &ctx, &bot.id, PublishRequest::default()).await.map_err(api)?;
    }
    let bot = crate::bots::get(&ctx, &bot.id).await.map_err(api)?;
    let live = crate::bots::versions(&ctx, &bot.id).await.map_err(api)?;
    let mapped_slots = live
        .versions
        .first()
        .and_then(|version| version.config.avatar.as_ref())
        .map_or(0, |avatar| avatar.mapping.slots.len());
    Ok(Demo {
        avatar_id: bot.draft.avatar.map(|avatar| avatar.avatar_id),
        mapped_slots,
        document_id: document.id,
        passages: document.chunks,
        email: DEMO_EMAIL.to_owned(),
        password: DEMO_PASSWORD.to_owned(),
        tenant_id: claims.tid,
        bot_id: bot.id,
        embed_id: bot.embed_id,
        created,
    })
}

/// Adds the demo knowledge (the same bytes are the same document, so a
/// second run adds nothing), removes an older text of it, and waits until it
/// is indexed.
async fn seed_knowledge(state: &AppState, ctx: &TenantCtx, bot: &BotId) -> anyhow::Result<DocumentView> {
    let document = documents::add_file(
        state,
        ctx,
        bot,
        DEMO_KNOWLEDGE_NAME.to_owned(),
        Some("text/markdown".to_owned()),
        DEMO_KNOWLEDGE.as_bytes().to_vec(),
    )
    .await
    .map_err(api)?;
    for older in documents::list(ctx, bot).await.map_err(api)?.documents {
        let same_name = matches!(&older.source, DocumentSource::File { name } if name == DEMO_KNOWLEDGE_NAME);
        if same_name && older.id != document.id {
            documents::delete(state, ctx, bot, &older.id).await.map_err(api)?;
        }
    }
    // A serving process already has its ingestion worker, and then this
    // returns at once; `animo-server demo` has none until now.
    tokio::spawn(documents::run_worker(state.clone()));
    let started = std::time::Instant::now();
    loop {
        let current = documents::get(ctx, bot, &document.id).await.map_err(api)?;
        match current.status {
            DocumentStatus::Indexed => return Ok(current),
            DocumentStatus::Failed => {
                let reason = current.error.map(|error| error.message).unwrap_or_default();
                anyhow::bail!("the demo knowledge could not be ingested: {reason}");
            }
            DocumentStatus::Queued | DocumentStatus::Extracting | DocumentStatus::Embedding => {}
        }
        anyhow::ensure!(
            started.elapsed() < INGESTION_TIMEOUT,
            "the demo knowledge was not indexed within {INGESTION_TIMEOUT:?} (status {:?})",
            current.status
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The demo bot as the `/demo` page shows it.
#[derive(Debug, Clone)]
pub struct DemoBot {
    /// Its embed id.
    pub embed_id: EmbedId,
    /// Its name.
    pub name: String,
}

/// The demo bot, found the way `seed` finds it (the demo owner's first
/// tenant, its oldest active bot), or `demo_not_seeded`.
pub async fn current(state: &AppState) -> ApiResult<DemoBot> {
    #[derive(Deserialize)]
    struct Row {
        embed_id: EmbedId,
        name: String,
    }
    let not_seeded = || ApiError::code(ErrorCode::DemoNotSeeded);
    let email = Email::try_from(DEMO_EMAIL).map_err(|error| ApiError::internal(invalid(error)))?;
    let account = accounts::account_by_email(state, &email).await?.ok_or_else(not_seeded)?;
    let tenant = accounts::memberships(state, &account.id).await?.into_iter().next().ok_or_else(not_seeded)?;
    let db = state.store.tenant(&tenant.tenant_id).await?;
    let row: Option<Row> = db
        .db()
        .query("SELECT embed_id, draft.personality.name AS name FROM bot WHERE status = 'active' ORDER BY id LIMIT 1")
        .run()
        .await?
        .first(0)?;
    let row = row.ok_or_else(not_seeded)?;
    Ok(DemoBot { embed_id: row.embed_id, name: row.name })
}
