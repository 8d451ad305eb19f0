//! `/environment`: the environment's settings and the connect HMAC digest.

use utoipa::ToSchema;

/// The settings of the environment the secret key names. The secret-key holder sees the HMAC
/// key: it is theirs to compute digests with.
#[derive(ToSchema)]
pub struct Environment {
    #[schema(example = "dev")]
    pub name: String,
    pub public_key: String,
    /// The `redirect_uri` sent to providers when set.
    #[schema(required = true, format = "uri")]
    pub callback_url: Option<String>,
    /// This server's own `/oauth/callback`, used while `callback_url` is null.
    #[schema(format = "uri")]
    pub default_callback_url: String,
    pub hmac_enabled: bool,
    #[schema(required = true)]
    pub hmac_key: Option<String>,
    #[schema(required = true, format = "uri")]
    pub webhook_url: Option<String>,
    /// Origins (`scheme://host[:port]`) allowed to start flows; empty allows any.
    pub allowed_origins: Vec<String>,
}

/// A partial update: only the fields present change; `null` clears a URL, the HMAC key or
/// the origins. Unknown fields are refused (`invalid_settings`).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentPatch {
    /// An absolute http(s) URL, or null.
    #[schema(format = "uri")]
    pub callback_url: Option<String>,
    /// An absolute http(s) URL, or null.
    #[schema(format = "uri")]
    pub webhook_url: Option<String>,
    /// Needs an `hmac_key` (in this request or before).
    #[schema(nullable = false)]
    pub hmac_enabled: Option<bool>,
    /// At least 16 characters, or null.
    #[schema(min_length = 16)]
    pub hmac_key: Option<String>,
    #[schema(example = json!(["https://app.example.com"]))]
    pub allowed_origins: Option<Vec<String>>,
}

/// `{"hmac": "<hex HMAC-SHA256 of integration:connection_id>"}`: the `hmac` of a connect.
#[derive(ToSchema)]
pub struct HmacDigest {
    pub hmac: String,
}

/// One environment variable (the secret-key holder reads the values: they are theirs).
#[derive(ToSchema)]
pub struct EnvironmentVariable {
    pub name: String,
    pub value: String,
}
