//! Request and response bodies of the control-plane API: accounts, sessions,
//! members, API keys, tenants, plans, usage, the audit log and operator tasks.

use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, ApiKeyId, AuditId, InviteId, TenantId};
use crate::text::{DisplayName, Email, Label, Password, Secret, TenantName};
use crate::time::Timestamp;

/// A member's role in a tenant. Each role can do everything the one after it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    /// Reads everything, changes nothing.
    Viewer,
    /// Edits bots, avatars and knowledge; cannot publish or manage people.
    Designer,
    /// Everything: publishing, members, API keys, budgets, data export and deletion.
    Owner,
}

impl Role {
    /// The role's wire name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Designer => "designer",
            Self::Owner => "owner",
        }
    }

    /// Parses a wire name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "viewer" => Some(Self::Viewer),
            "designer" => Some(Self::Designer),
            "owner" => Some(Self::Owner),
            _ => None,
        }
    }
}

/// Creates an account and its tenant, with the new account as owner.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignupRequest {
    /// The account's e-mail address.
    pub email: Email,
    /// At least 10 characters.
    pub password: Password,
    /// How the person is called.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub display_name: Option<DisplayName>,
    /// The business's name.
    pub tenant_name: TenantName,
}

/// Signs in with e-mail and password.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    /// The account's e-mail address.
    pub email: Email,
    /// The password.
    pub password: Password,
    /// Which tenant to act in, when the account belongs to several (default: the oldest membership).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub tenant_id: Option<TenantId>,
}

/// Exchanges a refresh token for a new pair; the old token is used up.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    /// The refresh token from sign-in or the previous refresh.
    pub refresh_token: Secret,
}

/// Ends the session of a refresh token (its whole family).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogoutRequest {
    /// The refresh token of the session to end.
    pub refresh_token: Secret,
}

/// Changes the signed-in account's password and ends its other sessions.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePasswordRequest {
    /// The password in use now.
    pub current_password: Password,
    /// The new password.
    pub new_password: Password,
}

/// An access token and the refresh token that renews it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenPair {
    /// Always `Bearer`.
    pub token_type: String,
    /// A JWT for `Authorization: Bearer …`, valid for 15 minutes.
    pub access_token: Secret,
    /// Seconds until the access token expires.
    pub expires_in: u32,
    /// An opaque token, valid for 30 days and usable once.
    pub refresh_token: Secret,
}

/// An account as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountView {
    /// The account's id.
    pub id: AccountId,
    /// Its e-mail address.
    pub email: Email,
    /// How the person is called.
    pub display_name: DisplayName,
    /// When it was created.
    pub created_at: Timestamp,
}

/// One tenant an account belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Membership {
    /// The tenant.
    pub tenant_id: TenantId,
    /// Its name.
    pub tenant_name: TenantName,
    /// The account's role there.
    pub role: Role,
}

/// The answer to sign-up, login and invitation acceptance.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionResponse {
    /// Who signed in.
    pub account: AccountView,
    /// The tenant the tokens act in, with the role there.
    pub membership: Membership,
    /// The tokens.
    pub tokens: TokenPair,
}

/// Who the caller is: `GET /v1/me`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeResponse {
    /// The account, absent when the caller is an API key.
    pub account: Option<AccountView>,
    /// The tenant acted in and the role there.
    pub membership: Membership,
    /// Every tenant the account belongs to.
    pub memberships: Vec<Membership>,
}

/// Invites someone by e-mail to join the tenant with a role.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteRequest {
    /// Who to invite.
    pub email: Email,
    /// The role they will have.
    pub role: Role,
}

/// A created invitation. The token is shown once; send it to the invitee.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteCreated {
    /// The invitation's id.
    pub id: InviteId,
    /// Who is invited.
    pub email: Email,
    /// Their future role.
    pub role: Role,
    /// The secret the invitee presents to accept.
    pub token: Secret,
    /// When the invitation lapses.
    pub expires_at: Timestamp,
}

/// Accepts an invitation. When no account exists for the invited address, one
/// is created with this password; otherwise the password must be the account's.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptInviteRequest {
    /// The token from the invitation.
    pub token: Secret,
    /// The new or existing account's password.
    pub password: Password,
    /// The name for a new account.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub display_name: Option<DisplayName>,
}

/// A member of the tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberView {
    /// The account.
    pub account_id: AccountId,
    /// Its e-mail address.
    pub email: Email,
    /// Its name.
    pub display_name: DisplayName,
    /// Its role in this tenant.
    pub role: Role,
    /// When it joined.
    pub joined_at: Timestamp,
}

/// The tenant's members and open invitations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberList {
    /// Members, oldest first.
    pub members: Vec<MemberView>,
    /// Invitations not yet accepted or expired.
    pub pending_invites: Vec<PendingInvite>,
}

/// An invitation waiting for its invitee.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingInvite {
    /// The invitation.
    pub id: InviteId,
    /// Who is invited.
    pub email: Email,
    /// Their future role.
    pub role: Role,
    /// When it lapses.
    pub expires_at: Timestamp,
}

/// Changes a member's role.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeRoleRequest {
    /// The new role.
    pub role: Role,
}

/// Creates an API key acting in this tenant with a role.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateApiKeyRequest {
    /// What the key is for.
    pub name: Label,
    /// What the key may do.
    pub role: Role,
}

/// An API key as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyView {
    /// The key's id.
    pub id: ApiKeyId,
    /// What the key is for.
    pub name: Label,
    /// What the key may do.
    pub role: Role,
    /// The start of the secret (`ak_…`), to recognise it.
    pub prefix: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it was last used, to the minute.
    pub last_used_at: Option<Timestamp>,
}

/// A new API key with its secret, shown this once.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyCreated {
    /// The key as it will be listed.
    pub key: ApiKeyView,
    /// The secret for `Authorization: Bearer ak_…`; it cannot be shown again.
    pub secret: Secret,
}

/// The tenant's API keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyList {
    /// Keys, oldest first.
    pub keys: Vec<ApiKeyView>,
}

/// What a plan allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Plan {
    /// The plan's name, e.g. `free`.
    pub name: String,
    /// Most bots that are not archived.
    pub max_bots: u32,
    /// Most members (owners, designers and viewers together).
    pub max_members: u32,
    /// Most visitor messages per calendar month (UTC).
    pub monthly_messages: u64,
    /// Most bytes of knowledge documents in all.
    pub knowledge_bytes: u64,
    /// Most bytes of avatar files in all.
    pub avatar_bytes: u64,
}

/// A limit of the plan, as named in `quota_exceeded` errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum QuotaKind {
    /// [`Plan::max_bots`].
    Bots,
    /// [`Plan::max_members`].
    Members,
    /// [`Plan::monthly_messages`].
    MonthlyMessages,
    /// [`Plan::knowledge_bytes`].
    KnowledgeBytes,
    /// [`Plan::avatar_bytes`].
    AvatarBytes,
}

impl QuotaKind {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bots => "bots",
            Self::Members => "members",
            Self::MonthlyMessages => "monthly_messages",
            Self::KnowledgeBytes => "knowledge_bytes",
            Self::AvatarBytes => "avatar_bytes",
        }
    }

    /// The plan's limit for this quota.
    pub fn limit(self, plan: &Plan) -> u64 {
        match self {
            Self::Bots => u64::from(plan.max_bots),
            Self::Members => u64::from(plan.max_members),
            Self::MonthlyMessages => plan.monthly_messages,
            Self::KnowledgeBytes => plan.knowledge_bytes,
            Self::AvatarBytes => plan.avatar_bytes,
        }
    }
}

/// How much of each quota the tenant uses.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Usage {
    /// Bots that are not archived.
    pub bots: u64,
    /// Members.
    pub members: u64,
    /// Visitor messages this month.
    pub monthly_messages: u64,
    /// Bytes of knowledge documents.
    pub knowledge_bytes: u64,
    /// Bytes of avatar files.
    pub avatar_bytes: u64,
}

/// Whether a tenant may operate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TenantStatus {
    /// Normal operation.
    Active,
    /// Stopped by the platform operator: bots do not answer, data is read-only.
    Suspended,
}

/// A tenant as its members see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantView {
    /// The tenant's id.
    pub id: TenantId,
    /// Its name.
    pub name: TenantName,
    /// Active or suspended.
    pub status: TenantStatus,
    /// Its plan.
    pub plan: Plan,
    /// What it uses of the plan.
    pub usage: Usage,
    /// When it was created.
    pub created_at: Timestamp,
}

/// The first step of deleting a tenant: a token to confirm with.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeletionChallenge {
    /// Send this back in [`ConfirmDeletionRequest`] to delete everything.
    pub confirmation_token: Secret,
    /// When the token lapses.
    pub expires_at: Timestamp,
}

/// The second step of deleting a tenant.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfirmDeletionRequest {
    /// The token from the first step.
    pub confirmation_token: Secret,
}

/// Who did something recorded in the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Actor {
    /// A signed-in person.
    Account {
        /// The account.
        id: AccountId,
    },
    /// An API key.
    ApiKey {
        /// The key.
        id: ApiKeyId,
    },
    /// The platform operator (CLI or operator account).
    Operator {
        /// Who, as far as known.
        name: String,
    },
}

/// One entry of a tenant's audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// The entry's id (ordered by time).
    pub id: AuditId,
    /// When it happened.
    pub at: Timestamp,
    /// Who did it.
    pub actor: Actor,
    /// What was done, e.g. `bot.publish`.
    pub action: String,
    /// What it was done to, e.g. a bot id.
    pub target: String,
    /// The client's address, as the server saw it.
    pub client_addr: Option<String>,
}

/// A page of the audit log, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    /// The entries.
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` to get the next, older page; absent on the last page.
    pub next_before: Option<AuditId>,
}

/// A tenant as the platform operator sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminTenantView {
    /// The tenant's id.
    pub id: TenantId,
    /// Its name.
    pub name: TenantName,
    /// Its plan's name.
    pub plan: String,
    /// Active or suspended.
    pub status: TenantStatus,
    /// When it was created.
    pub created_at: Timestamp,
}

/// Changes a tenant's plan or status (platform operators only).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminTenantUpdate {
    /// The new plan's name.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub plan: Option<String>,
    /// Suspend or reactivate.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub status: Option<TenantStatus>,
}

/// The answer of `/healthz` and `/readyz`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthResponse {
    /// `ok`, or what is wrong.
    pub status: String,
    /// The server's version.
    pub version: String,
}
