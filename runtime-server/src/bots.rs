//! Bots: drafts, immutable published versions, rollback, archiving and
//! embed ids.

use animo_shared::api::QuotaKind;
use animo_shared::bot::{
    BotConfig, BotList, BotStatus, BotVersionList, BotVersionView, BotView, CreateBotRequest, EmbedIdView,
    PublishRequest, RollbackRequest, UpdateBotRequest,
};
use animo_shared::text::Label;
use animo_shared::{BotId, EmbedId, ErrorCode, Timestamp};
use serde_json::json;

use crate::audit::{AUDIT_INSERT, audited, bind_audit};
use crate::context::TenantCtx;
use crate::error::{ApiError, ApiResult};
use crate::ids::NewId;
use crate::state::AppState;
use crate::store::StoreError;
use crate::tenants::{limit, quota_check_sql, quota_error};

const BOT_FIELDS: &str = "*, record::id(id) AS id";

/// Statements that load bot `$id` into `$bot` and refuse an unknown or
/// archived bot; splice them at the start of a transaction.
pub(crate) const ACTIVE_BOT: &str = "LET $bot = (SELECT * FROM type::record('bot', $id))[0];
         IF $bot = NONE { THROW 'animo:not_found'; };
         IF $bot.status = 'archived' { THROW 'animo:bot_archived'; };";

/// Maps the domain refusals thrown inside bot transactions.
pub(crate) fn bot_error(error: StoreError) -> ApiError {
    match error {
        StoreError::Thrown(message) if message == "not_found" => ApiError::not_found(),
        StoreError::Thrown(message) if message == "bot_archived" => ApiError::code(ErrorCode::BotArchived),
        StoreError::Thrown(message) if message == "no_version" => {
            ApiError::new(ErrorCode::NotFound, "That version does not exist.")
        }
        other => other.into(),
    }
}

/// Creates a bot, counting it against the plan's bot limit.
pub async fn create(state: &AppState, ctx: &TenantCtx, request: CreateBotRequest) -> ApiResult<BotView> {
    let id = BotId::generate();
    let embed_id = EmbedId::generate();
    let now = Timestamp::now();
    let mut draft = BotConfig::with_personality(request.personality);
    UpdateBotRequest {
        personality: None,
        model: request.model,
        widget: request.widget,
        allowed_origins: request.allowed_origins,
        placement: request.placement,
    }
    .apply(&mut draft);
    let max = limit(state, ctx.tenant(), QuotaKind::Bots).await?;
    let sql = format!(
        "BEGIN TRANSACTION;\n{}\nCREATE type::record('bot', $id) CONTENT $bot;\n{AUDIT_INSERT}\nCOMMIT TRANSACTION;",
        quota_check_sql(QuotaKind::Bots)
    );
    let query = ctx.db.db().query(&sql).bind("id", &id).bind("limit", max).bind("quota_amount", 1).bind(
        "bot",
        json!({
            "embed_id": embed_id,
            "status": BotStatus::Active,
            "draft": draft,
            "live_version": null,
            "version_count": 0,
            "created_at": now,
            "updated_at": now,
        }),
    );
    bind_audit(query, ctx, "bot.create", id.as_str()).run().await.map_err(|e| quota_error(e, QuotaKind::Bots, max))?;
    // The embed index lives in the platform database (embed ids are looked up
    // before any tenant is known), so it is written after the bot; rotating
    // the embed id repairs a bot whose index write was interrupted.
    index_embed(state, ctx, &embed_id, &id).await?;
    get(ctx, &id).await
}

async fn index_embed(state: &AppState, ctx: &TenantCtx, embed_id: &EmbedId, bot: &BotId) -> ApiResult<()> {
    state
        .store
        .platform()
        .query("CREATE type::record('embed', $embed) CONTENT { tenant: $tenant, bot: $bot }")
        .bind("embed", embed_id)
        .bind("tenant", ctx.tenant())
        .bind("bot", bot)
        .run()
        .await?;
    Ok(())
}

/// One bot of the tenant.
pub async fn get(ctx: &TenantCtx, id: &BotId) -> ApiResult<BotView> {
    let sql = format!("SELECT {BOT_FIELDS} FROM type::record('bot', $id)");
    let bot: Option<BotView> = ctx.db.db().query(&sql).bind("id", id).run().await?.first(0)?;
    bot.ok_or_else(ApiError::not_found)
}

/// The tenant's bots, oldest first.
pub async fn list(ctx: &TenantCtx, include_archived: bool) -> ApiResult<BotList> {
    let sql = format!("SELECT {BOT_FIELDS} FROM bot WHERE $all OR status = 'active' ORDER BY id");
    let bots = ctx.db.db().query(&sql).bind("all", include_archived).run().await?.all(0)?;
    Ok(BotList { bots })
}

/// Replaces the sections of the draft that the request names; sections are
/// set one by one so concurrent edits of different sections both survive.
pub async fn update(ctx: &TenantCtx, id: &BotId, request: UpdateBotRequest) -> ApiResult<BotView> {
    let mut sets = vec!["updated_at = $now".to_owned()];
    let sections = [
        ("personality", request.personality.as_ref().map(serde_json::to_value)),
        ("model", request.model.as_ref().map(serde_json::to_value)),
        ("widget", request.widget.as_ref().map(serde_json::to_value)),
        ("allowed_origins", request.allowed_origins.as_ref().map(serde_json::to_value)),
        ("placement", request.placement.as_ref().map(serde_json::to_value)),
    ];
    let mut values = serde_json::Map::new();
    for (name, value) in sections {
        if let Some(value) = value {
            // Section names come from the fixed list above, never from input.
            sets.push(format!("draft.{name} = $draft.{name}"));
            values.insert(name.to_owned(), value.map_err(anyhow::Error::from)?);
        }
    }
    let sql = format!(
        "BEGIN TRANSACTION;
         {ACTIVE_BOT}
         UPDATE type::record('bot', $id) SET {};
         {AUDIT_INSERT}
         COMMIT TRANSACTION;",
        sets.join(", ")
    );
    let query = ctx.db.db().query(&sql).bind("id", id).bind("now", Timestamp::now()).bind("draft", values);
    bind_audit(query, ctx, "bot.update", id.as_str()).run().await.map_err(bot_error)?;
    get(ctx, id).await
}

/// Archives a bot: it stops answering, its embed id is released, its
/// versions are kept, and it no longer counts against the plan.
pub async fn archive(state: &AppState, ctx: &TenantCtx, id: &BotId) -> ApiResult<BotView> {
    let sql = format!(
        "BEGIN TRANSACTION;
         {ACTIVE_BOT}
         UPDATE type::record('bot', $id) SET status = 'archived', updated_at = $now;
         UPSERT usage:bots SET count = math::max([0, (count ?? 0) - 1]);
         {AUDIT_INSERT}
         COMMIT TRANSACTION;"
    );
    let query = ctx.db.db().query(&sql).bind("id", id).bind("now", Timestamp::now());
    bind_audit(query, ctx, "bot.archive", id.as_str()).run().await.map_err(bot_error)?;
    state.chat.live_versions.forget(&(ctx.tenant().clone(), id.clone()));
    let bot = get(ctx, id).await?;
    state.store.platform().query("DELETE type::record('embed', $embed)").bind("embed", &bot.embed_id).run().await?;
    Ok(bot)
}

/// Freezes the draft into the next immutable version and makes it live.
/// A draft with an avatar must map the slots publishing requires.
pub async fn publish(
    state: &AppState,
    ctx: &TenantCtx,
    id: &BotId,
    request: PublishRequest,
) -> ApiResult<BotVersionView> {
    if let Some(avatar) = get(ctx, id).await?.draft.avatar {
        crate::avatars::check_mapping(ctx, &avatar, true).await?;
    }
    let source = "LET $config = $bot.draft;
         LET $knowledge = (SELECT VALUE doc_key FROM document WHERE bot = $id AND doc_key != NONE AND doc_key != NULL);";
    append_version(state, ctx, id, source, request.note.unwrap_or_default(), None, "bot.publish").await
}

/// Makes an earlier version live again by publishing a copy of it (its
/// configuration and the knowledge it answered from) as the next version,
/// so the history stays append-only. The draft is not changed.
pub async fn rollback(
    state: &AppState,
    ctx: &TenantCtx,
    id: &BotId,
    request: RollbackRequest,
) -> ApiResult<BotVersionView> {
    let source =
        "LET $old = (SELECT config, knowledge_keys FROM bot_version WHERE bot_id = $id AND version = $from)[0];
         IF $old = NONE { THROW 'animo:no_version'; };
         LET $config = $old.config;
         LET $knowledge = $old.knowledge_keys ?? [];";
    let note = Label::try_from(format!("Rollback to version {}", request.version))?;
    append_version(state, ctx, id, source, note, Some(request.version), "bot.rollback").await
}

/// Appends the next version of an active bot with the configuration and
/// the document versions that `source` puts in `$config` and `$knowledge`,
/// makes it live, and audits `action`, all in one transaction.
async fn append_version(
    state: &AppState,
    ctx: &TenantCtx,
    id: &BotId,
    source: &str,
    note: Label,
    from: Option<u32>,
    action: &str,
) -> ApiResult<BotVersionView> {
    let sql = format!(
        "BEGIN TRANSACTION;
         {ACTIVE_BOT}
         {source}
         LET $version = ($bot.version_count ?? 0) + 1;
         CREATE bot_version CONTENT {{
             bot_id: $id, version: $version, config: $config, published_at: $now,
             published_by: $by, note: $note, rolled_back_from: $from, knowledge_keys: $knowledge,
         }};
         UPDATE type::record('bot', $id) SET version_count = $version, live_version = $version;
         DELETE answer_cache WHERE bot = $id;
         {AUDIT_INSERT}
         COMMIT TRANSACTION;"
    );
    let query = ctx
        .db
        .db()
        .query(sql)
        .bind("id", id)
        .bind("now", Timestamp::now())
        .bind("by", ctx.actor_name())
        .bind("note", note)
        .bind("from", from);
    bind_audit(query, ctx, action, id.as_str()).run().await.map_err(bot_error)?;
    state.chat.live_versions.forget(&(ctx.tenant().clone(), id.clone()));
    // Passages of deleted documents that only the previous live version
    // answered from can go now.
    crate::knowledge::documents::collect_garbage(&ctx.db, id).await?;
    latest_version(ctx, id).await
}

async fn latest_version(ctx: &TenantCtx, id: &BotId) -> ApiResult<BotVersionView> {
    let version: Option<BotVersionView> = ctx
        .db
        .db()
        .query("SELECT * OMIT id FROM bot_version WHERE bot_id = $id ORDER BY version DESC LIMIT 1")
        .bind("id", id)
        .run()
        .await?
        .first(0)?;
    version.ok_or_else(|| ApiError::internal(anyhow::anyhow!("a version just published cannot be read back")))
}

/// Every version of a bot, newest first.
pub async fn versions(ctx: &TenantCtx, id: &BotId) -> ApiResult<BotVersionList> {
    let bot = get(ctx, id).await?;
    let versions = ctx
        .db
        .db()
        .query("SELECT * OMIT id FROM bot_version WHERE bot_id = $id ORDER BY version DESC")
        .bind("id", id)
        .run()
        .await?
        .all(0)?;
    Ok(BotVersionList { live_version: bot.live_version, versions })
}

/// Gives a bot a new embed id; the old one stops working at once.
pub async fn rotate_embed_id(state: &AppState, ctx: &TenantCtx, id: &BotId) -> ApiResult<EmbedIdView> {
    let old = get(ctx, id).await?;
    if old.status == BotStatus::Archived {
        return Err(ApiError::code(ErrorCode::BotArchived));
    }
    let embed_id = EmbedId::generate();
    let query = ctx
        .db
        .db()
        .query(audited("UPDATE type::record('bot', $id) SET embed_id = $embed, updated_at = $now;"))
        .bind("id", id)
        .bind("embed", &embed_id)
        .bind("now", Timestamp::now());
    bind_audit(query, ctx, "bot.rotate_embed_id", id.as_str()).run().await?;
    state
        .store
        .platform()
        .query("BEGIN TRANSACTION; DELETE type::record('embed', $old); CREATE type::record('embed', $new) CONTENT { tenant: $tenant, bot: $bot }; COMMIT TRANSACTION;")
        .bind("old", &old.embed_id)
        .bind("new", &embed_id)
        .bind("tenant", ctx.tenant())
        .bind("bot", id)
        .run()
        .await?;
    Ok(EmbedIdView { embed_id })
}
