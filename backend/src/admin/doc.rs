//! The OpenAPI paths of the console's routes (`openapi.rs` merges them).

use utoipa::OpenApi;

pub fn openapi() -> utoipa::openapi::OpenApi {
    Paths::openapi()
}

#[derive(OpenApi)]
#[openapi(paths(
    super::pages::get_admin_root,
    super::pages::get_console,
    super::pages::get_asset,
    super::session::post_session,
    super::session::get_session,
    super::session::delete_session,
))]
struct Paths;
