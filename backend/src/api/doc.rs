//! The OpenAPI paths of the secret-key API: one entry per annotated handler of this folder
//! (`openapi.rs` adds `compat.rs`'s aliases of the same handlers and the security schemes).

use utoipa::OpenApi;

pub fn openapi() -> utoipa::openapi::OpenApi {
    Paths::openapi()
}

#[derive(OpenApi)]
#[openapi(paths(
    super::integrations::list_integrations,
    super::integrations::create_integration,
    super::integrations::get_integration,
    super::integrations::patch_integration,
    super::integrations::delete_integration,
    super::integrations::post_to_integration,
    super::providers::list_providers,
    super::providers::get_provider,
    super::connection_list::list_connections,
    super::connection_import::post_connection,
    super::connections::get_connection,
    super::connections::delete_connection,
    super::connections::patch_connection_config,
    super::connections::status_events,
    super::metadata::post_metadata,
    super::metadata::patch_metadata,
    super::compat::post_metadata,
    super::compat::patch_metadata,
    super::compat::patch_connection,
    super::environment::get_environment,
    super::environment::patch_environment,
    super::environment::get_hmac,
    super::environment::get_keys,
    super::callback_check::post_callback_check,
    super::environment_variables::get_variables,
    super::environment_variables::put_variables,
    super::environment_variables::delete_variables,
    super::environment_variables::delete_variable,
    super::connect_sessions::post_session,
    super::connect_sessions::post_reconnect_session,
    super::connect_sessions::get_session,
    super::connect_sessions::delete_session,
    super::webhook_deliveries::list_deliveries,
    super::webhook_deliveries::replay_delivery,
    super::webhook_deliveries::send_test_webhook,
))]
struct Paths;
