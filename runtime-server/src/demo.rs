//! `animo-server demo`: a demo tenant, owner and published bot, created once
//! and found again on later runs.

use animo_shared::api::SessionResponse;
use animo_shared::avatar::BotAvatar;
use animo_shared::bot::{AllowedOrigins, BotConfig, CreateBotRequest, Greeting, Origin, Personality, PublishRequest};
use animo_shared::text::{Email, Password, TenantName};
use animo_shared::{AvatarId, BotId, EmbedId, TenantId};

use crate::accounts;
use crate::error::ApiError;
use crate::state::AppState;

/// Animo's own demo avatar, made by `cargo xtask demo-avatar`: a rigged
/// figure with a clip named after every slot.
pub const DEMO_AVATAR: &[u8] = include_bytes!("../assets/demo-avatar.glb");

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
    let ctx = crate::context::TenantCtx {
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
    if changed {
        crate::bots::publish(&ctx, &bot.id, PublishRequest::default()).await.map_err(api)?;
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
        email: DEMO_EMAIL.to_owned(),
        password: DEMO_PASSWORD.to_owned(),
        tenant_id: claims.tid,
        bot_id: bot.id,
        embed_id: bot.embed_id,
        created,
    })
}
