//! TypeScript declarations for the widget and the Studio front-end.
//!
//! `cargo xtask codegen` writes [`bundle`] to `widget/src/generated/animo.ts`
//! and `studio/ui/src/generated/animo.ts`; a test fails when those committed
//! files are stale.

use ts_rs::{Config, TS};

use crate::avatar::{self, inspect, mapping, slots, suggest};
use crate::{api, bot, chat, error, ids, knowledge, text};

fn declare<T: TS + ?Sized>(out: &mut String, cfg: &Config) {
    out.push_str("export ");
    out.push_str(&T::decl(cfg));
    out.push_str("\n\n");
}

macro_rules! declare_all {
    ($out:expr, $cfg:expr; $($ty:ty),* $(,)?) => {
        $(declare::<$ty>($out, $cfg);)*
    };
}

/// The whole generated file.
pub fn bundle() -> String {
    // Every integer on the wire fits in a JavaScript number, so `number`
    // rather than `bigint` keeps the front-end code plain.
    let cfg = Config::new().with_large_int("number");
    let mut out = String::from("// Generated from the animo-shared crate by `cargo xtask codegen`. Do not edit.\n\n");
    declare_all!(&mut out, &cfg;
        ids::TenantId, ids::AccountId, ids::BotId, ids::ApiKeyId, ids::InviteId, ids::AuditId, ids::EmbedId,
        error::ErrorCode, error::ErrorBody,
        text::DisplayName, text::TenantName, text::Label, text::Email, text::Password, text::Secret,
        bot::BotName, bot::BotRole, bot::PersonaPrompt, bot::Greeting, bot::FallbackMessage,
        bot::GuardrailRule, bot::ForbiddenTopic, bot::ModelName, bot::LauncherText, bot::FaqQuestion,
        bot::FaqAnswer, bot::FaqEntry, bot::Faq,
        bot::Guardrails, bot::ForbiddenTopics, bot::AllowedOrigins, bot::UrlPatterns,
        bot::Tone, bot::LanguageTag, bot::Temperature, bot::ReplyTokenLimit, bot::Personality,
        bot::ProviderKind, bot::HttpUrl, bot::ProviderChoice, bot::ProviderChain, bot::ModelSettings,
        bot::HexColor, bot::Theme, bot::Corner, bot::WidgetLook, bot::Origin, bot::UrlPattern,
        bot::AutoOpenDelay, bot::PlacementRules, bot::BotConfig, bot::BotStatus, bot::BotView,
        bot::CreateBotRequest, bot::UpdateBotRequest, bot::PublishRequest, bot::RollbackRequest,
        bot::BotVersionView, bot::BotVersionList, bot::BotList, bot::EmbedIdView, bot::EmbedSnippet,
        api::Role, api::SignupRequest, api::LoginRequest, api::RefreshRequest, api::LogoutRequest,
        api::ChangePasswordRequest, api::TokenPair, api::AccountView, api::Membership,
        api::SessionResponse, api::MeResponse, api::InviteRequest, api::InviteCreated,
        api::AcceptInviteRequest, api::MemberView, api::MemberList, api::PendingInvite,
        api::ChangeRoleRequest, api::CreateApiKeyRequest, api::ApiKeyView, api::ApiKeyCreated,
        api::ApiKeyList, api::Plan, api::QuotaKind, api::Usage, api::TenantStatus, api::TenantView,
        api::DeletionChallenge, api::ConfirmDeletionRequest, api::Actor, api::AuditEntry,
        api::AuditPage, api::AdminTenantView, api::AdminTenantUpdate, api::HealthResponse,
        slots::Slot, mapping::ClipName, mapping::MorphTargetName, mapping::LoopMode, mapping::Speed,
        mapping::Crossfade, mapping::MorphWeight, mapping::Expression, mapping::SlotBinding, mapping::WidgetEvent,
        mapping::Emotion, mapping::Intent, mapping::AnimationMapping, mapping::MappingProblem,
        suggest::SlotSuggestion, suggest::MappingSuggestion,
        inspect::InspectionReport, inspect::ClipInfo, inspect::MeshMorphTargets, inspect::SkinInfo,
        inspect::TextureInfo, inspect::Bounds, avatar::AvatarView, avatar::AvatarList, avatar::BotAvatar, ids::AvatarId,
        ids::VisitorId, ids::ConversationId, ids::MessageId, chat::EmbedConfigQuery, chat::EmbedConfig,
        chat::EmbedAvatar, chat::VisitorSession, chat::PageView, chat::Rating, chat::ClientFrame, chat::MessageUsage,
        chat::Source, chat::Author, chat::ChatMessage, chat::ServerFrame, chat::SseMessageRequest, chat::TestChatRequest, chat::PosterView, chat::ChatHistory,
        chat::BudgetAction, chat::BudgetSettings, chat::TestOrigins, chat::IdentitySecret,
        chat::AnalyticsQuery, chat::SentimentCounts, chat::DayAnalytics, chat::QuestionCount, chat::BotAnalytics,
        chat::VisitorData, chat::VisitorErasure, ids::DocumentId, knowledge::DocumentSource, knowledge::CrawlLimits,
        knowledge::DocumentStatus,
        knowledge::DocumentFailure, knowledge::DocumentView, knowledge::DocumentList, knowledge::AddUrlRequest,
        knowledge::SearchRequest, knowledge::SearchMode, knowledge::PassageView, knowledge::SearchResponse,
    );
    out.push_str(&slot_table());
    out.push_str(&limits());
    out.push_str(&error_table());
    out
}

/// The validation limits, so the Studio can check input before sending it.
fn limits() -> String {
    let text_limits: [(&str, usize, usize); 19] = [
        ("DisplayName", text::DisplayName::MIN_CHARS, text::DisplayName::MAX_CHARS),
        ("TenantName", text::TenantName::MIN_CHARS, text::TenantName::MAX_CHARS),
        ("Label", text::Label::MIN_CHARS, text::Label::MAX_CHARS),
        ("Password", text::Password::MIN_CHARS, text::Password::MAX_CHARS),
        ("BotName", bot::BotName::MIN_CHARS, bot::BotName::MAX_CHARS),
        ("BotRole", bot::BotRole::MIN_CHARS, bot::BotRole::MAX_CHARS),
        ("PersonaPrompt", bot::PersonaPrompt::MIN_CHARS, bot::PersonaPrompt::MAX_CHARS),
        ("Greeting", bot::Greeting::MIN_CHARS, bot::Greeting::MAX_CHARS),
        ("FallbackMessage", bot::FallbackMessage::MIN_CHARS, bot::FallbackMessage::MAX_CHARS),
        ("GuardrailRule", bot::GuardrailRule::MIN_CHARS, bot::GuardrailRule::MAX_CHARS),
        ("ForbiddenTopic", bot::ForbiddenTopic::MIN_CHARS, bot::ForbiddenTopic::MAX_CHARS),
        ("ModelName", bot::ModelName::MIN_CHARS, bot::ModelName::MAX_CHARS),
        ("LauncherText", bot::LauncherText::MIN_CHARS, bot::LauncherText::MAX_CHARS),
        ("FaqQuestion", bot::FaqQuestion::MIN_CHARS, bot::FaqQuestion::MAX_CHARS),
        ("FaqAnswer", bot::FaqAnswer::MIN_CHARS, bot::FaqAnswer::MAX_CHARS),
        ("Faq", 0, bot::Faq::MAX_ITEMS),
        ("Guardrails", 0, bot::Guardrails::MAX_ITEMS),
        ("ForbiddenTopics", 0, bot::ForbiddenTopics::MAX_ITEMS),
        ("AllowedOrigins", 0, bot::AllowedOrigins::MAX_ITEMS),
    ];
    let mut out =
        String::from("/** Validation limits: characters for text, entries for lists. */\nexport const LIMITS = {\n");
    for (name, min, max) in text_limits {
        out.push_str(&format!("  {name}: {{ min: {min}, max: {max} }},\n"));
    }
    out.push_str(&format!("  UrlPatterns: {{ min: 0, max: {} }},\n", bot::UrlPatterns::MAX_ITEMS));
    out.push_str(&format!("  ProviderChain: {{ min: 1, max: {} }},\n", bot::ProviderChain::MAX_ITEMS));
    out.push_str(&format!(
        "  ReplyTokenLimit: {{ min: {}, max: {} }},\n",
        bot::ReplyTokenLimit::MIN,
        bot::ReplyTokenLimit::MAX
    ));
    out.push_str("  Temperature: { min: 0, max: 2 },\n  AutoOpenDelay: { min: 0, max: 600000 },\n} as const;\n\n");
    out
}

/// The slot catalogue with meanings and fallbacks, so the widget and the
/// Studio resolve unmapped slots exactly as the server does.
fn slot_table() -> String {
    let mut out = String::from(
        "/** Every animation slot with its meaning and the slot it falls back to. */\nexport const SLOTS: Record<Slot, { meaning: string; fallback: Slot | null }> = {\n",
    );
    for slot in slots::Slot::ALL {
        let fallback = slot.fallback().map_or("null".to_owned(), |f| format!("{:?}", f.name()));
        out.push_str(&format!("  {}: {{ meaning: {:?}, fallback: {fallback} }},\n", slot.name(), slot.meaning()));
    }
    out.push_str("};\n\n");
    out
}

/// The error-code table with statuses and meanings.
fn error_table() -> String {
    let mut out = String::from(
        "/** Every error code with its HTTP status and meaning. */\nexport const ERROR_CODES: Record<ErrorCode, { status: number; meaning: string }> = {\n",
    );
    for code in error::ErrorCode::ALL {
        out.push_str(&format!(
            "  {}: {{ status: {}, meaning: {:?} }},\n",
            code.name(),
            code.http_status(),
            code.meaning()
        ));
    }
    out.push_str("};\n");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn bundle_declares_the_contract() {
        let text = super::bundle();
        for needle in [
            "export type BotId = string;",
            "export type ErrorCode = ",
            "export type BotConfig = {",
            "export const LIMITS = {",
            "quota_exceeded: { status: 403,",
        ] {
            assert!(text.contains(needle), "missing {needle:?}");
        }
        assert_eq!(text, super::bundle(), "generation must be deterministic");
    }
}
