//! Small answers shared by several routes: health and `{success: true}`.

use utoipa::ToSchema;

/// `{"result": "ok"}`.
#[derive(ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub result: HealthResult,
}

#[derive(ToSchema)]
pub enum HealthResult {
    #[serde(rename = "ok")]
    Ok,
}

/// Nango's answer to a change that returns nothing else.
#[derive(ToSchema)]
pub struct Success {
    pub success: bool,
}
