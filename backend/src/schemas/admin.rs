//! The admin console's routes (`/admin/session`) and the environment routes it added
//! (`/environment/keys`, `/environment/callback-check`).

use utoipa::ToSchema;

/// Sign-in: the environment's secret key.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub secret_key: String,
}

/// A console session: send `csrf_token` in `X-Nango-Csrf` with every state change.
#[derive(ToSchema)]
pub struct ConsoleSession {
    #[schema(example = "dev")]
    pub environment: String,
    /// Null when the request used a Bearer key rather than the cookie.
    #[schema(required = true)]
    pub csrf_token: Option<String>,
    /// Unix seconds (sign-in only).
    pub expires_at: Option<i64>,
}

/// The environment's keys (revealing them is logged).
#[derive(ToSchema)]
pub struct EnvironmentKeys {
    pub secret_key: String,
    pub public_key: String,
}

/// The callback URL self-test: whether it reaches this server's `/oauth/callback` with the query.
#[derive(ToSchema)]
pub struct CallbackCheck {
    pub ok: bool,
    /// The URL requested (the callback URL with a probe parameter).
    #[schema(format = "uri")]
    pub url: String,
    /// What was found, or what is wrong.
    pub detail: String,
    /// What to do when `ok` is false.
    #[schema(required = true)]
    pub fix: Option<String>,
}
