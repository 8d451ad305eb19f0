//! Checking a connection's configuration against its provider's declared params (SPEC §2 step 1).
//!
//! Declared `pattern`s are not checked: the `regex` crate is not a dependency, and Nango's
//! patterns use look-around that it would not compile anyway. What matters for safety is checked
//! structurally instead:
//! - every value that lands in a URL is safe for its placement (hostname-safe in a host, an
//!   absolute http(s) URL as an origin, no dot segment in a path), declared or not;
//! - a declared `enum` (`ConfigParam::allowed_values`) lists the only values a caller may give;
//! - keys the provider returns with the token (`token_response_metadata`, e.g. an
//!   `instance_url`) are set by the server from the provider's answer, never by the caller;
//! - **never send client credentials to a host the end user chose.** The token and refresh
//!   requests carry the client secret, the authorization code and the refresh token, and the
//!   proxy sends the access token. So in `token_url`, `refresh_url` and the proxy `base_url`, a
//!   caller's value may not decide the registrable end of the host
//!   ([`template::host_deciding_keys`]: an origin placeholder, or a host placeholder not followed
//!   by a fixed suffix of at least two labels such as `.zendesk.com`), unless the declared param
//!   has an `enum`, which then governs, or the integration's operator allows the host that
//!   results ([`AllowedHosts`], the integration's `allowed_hosts`). The `authorization_url` is
//!   only shown to the user's own browser, so it keeps the hostname-safety check alone.
//!
//! Only what the caller supplies is held to the last three rules; values already stored (some of
//! which the provider filled in) are only checked for their placement. Values the callback
//! copies from its query pass through the user's browser, so they count as caller values
//! ([`validate_callback_values`]).

use super::hosts::{self, AllowedHosts};
use super::template::{self, Placement};
use super::Provider;
use crate::json::JsonMap;

/// Why a connection configuration was refused: a human message naming the key, never its value
/// (a refused credential host is named: it passed the hostname check, and the operator needs it
/// to allow it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    #[error("missing required connection configuration `{key}`")]
    Missing { key: String },
    #[error("connection configuration `{key}` {reason}")]
    Invalid { key: String, reason: &'static str },
    /// The value would send credential requests to `host`, which the integration does not allow.
    #[error("{message}")]
    HostNotAllowed { key: String, host: String, message: String },
}

const SET_BY_PROVIDER: &str = "is set by the provider and cannot be supplied";
const NOT_ALLOWED: &str = "is not one of the values this provider allows";
const DECIDES_HOST: &str = "would choose the host that receives the integration's credentials, \
     and that host cannot be read from the configuration given";

/// Check the params a caller gives when connecting to an integration that allows `allowed`
/// credential hosts: required declared keys are present and non-empty, and every value passes
/// the rules of the module documentation.
pub fn validate_connection_config(
    provider: &Provider,
    params: &JsonMap,
    allowed: &AllowedHosts<'_>,
) -> Result<(), ParamsError> {
    check(provider, params, params, allowed)
}

/// Check a caller's `patch` to a stored connection configuration: the patch is held to the
/// caller rules, the merged result (`stored` with `patch` on top) to the required-key and
/// placement rules. Stored keys filled by the provider stay valid. No credential host is
/// allowed here: a patch never moves a connection's credential requests to a host its user
/// chose.
pub fn validate_config_update(
    provider: &Provider,
    stored: &JsonMap,
    patch: &JsonMap,
) -> Result<(), ParamsError> {
    let mut merged = stored.clone();
    merged.extend(patch.iter().map(|(key, value)| (key.clone(), value.clone())));
    check(provider, patch, &merged, &AllowedHosts::none())
}

/// Check the `values` the callback copies from its query (`redirect_uri_metadata`) before they
/// are stored; `config` is the configuration they join (the flow's params with `values` on
/// top). The callback reaches us through the user's browser, which can rewrite its query, so
/// these values are held to the caller rules (placement, `enum`, never choosing the host of a
/// credential request unless `allowed`); there is no required-key check.
pub fn validate_callback_values(
    provider: &Provider,
    values: &JsonMap,
    config: &JsonMap,
    allowed: &AllowedHosts<'_>,
) -> Result<(), ParamsError> {
    check_enums(provider, values)?;
    check_placements(provider, values)?;
    check_credential_hosts(provider, values, config, allowed)
}

/// `caller`: the values the caller supplied; `config`: the whole configuration to use.
fn check(
    provider: &Provider,
    caller: &JsonMap,
    config: &JsonMap,
    allowed: &AllowedHosts<'_>,
) -> Result<(), ParamsError> {
    for key in &provider.token_response_metadata {
        if text(caller, key)?.is_some() {
            return Err(invalid(key, SET_BY_PROVIDER));
        }
    }
    check_enums(provider, caller)?;
    check_required(provider, config)?;
    check_placements(provider, config)?;
    check_credential_hosts(provider, caller, config, allowed)
}

/// Declared `enum`s hold for the caller's values.
fn check_enums(provider: &Provider, caller: &JsonMap) -> Result<(), ParamsError> {
    for (key, param) in &provider.connection_config {
        if param.allowed_values.is_empty() {
            continue;
        }
        if let Some(value) = text(caller, key)? {
            if !param.allowed_values.contains(&value) {
                return Err(invalid(key, NOT_ALLOWED));
            }
        }
    }
    Ok(())
}

/// Required declared keys are present.
fn check_required(provider: &Provider, config: &JsonMap) -> Result<(), ParamsError> {
    for (key, param) in &provider.connection_config {
        // Keys the provider itself returns (token response, callback query) are filled in by
        // the callback, so the caller cannot be asked for them.
        let from_provider =
            provider.token_response_metadata.contains(key) || provider.redirect_uri_metadata.contains(key);
        if param.optional || from_provider {
            continue;
        }
        if text(config, key)?.is_none() {
            return Err(ParamsError::Missing { key: key.clone() });
        }
    }
    Ok(())
}

/// Values placed into any of the provider's URLs are safe for their placement.
fn check_placements(provider: &Provider, config: &JsonMap) -> Result<(), ParamsError> {
    let urls = [provider.authorization_url.as_deref()].into_iter().chain(credential_urls(provider));
    for template in urls.flatten() {
        for (key, placement) in template::url_placeholders(template) {
            let Some(value) = text(config, &key)? else { continue };
            let checked = match placement {
                Placement::Origin => template::check_origin(&value).map(drop),
                Placement::Authority => template::check_authority(&value).map(drop),
                Placement::Host => template::check_host(&value),
                Placement::Path => template::check_path(&value),
                Placement::Query => Ok(()),
            };
            checked.map_err(|reason| invalid(&key, reason))?;
        }
    }
    Ok(())
}

/// A caller's value may not decide the host of a request that carries credentials, unless
/// the declared param restricts it to an `enum` (already checked by `check_enums`) or the host
/// it leads to (the URL filled from `config`) is `allowed`.
fn check_credential_hosts(
    provider: &Provider,
    caller: &JsonMap,
    config: &JsonMap,
    allowed: &AllowedHosts<'_>,
) -> Result<(), ParamsError> {
    for template in credential_urls(provider).into_iter().flatten() {
        for key in template::host_deciding_keys(template) {
            let restricted =
                provider.connection_config.get(&key).is_some_and(|param| !param.allowed_values.is_empty());
            if restricted || text(caller, &key)?.is_none() {
                continue;
            }
            let host = template::fill_url(template, config)
                .ok()
                .and_then(|url| url::Url::parse(&url).ok())
                .and_then(|url| url.host_str().map(str::to_owned));
            match host {
                Some(host) if allowed.allows(&host) => {}
                Some(host) => {
                    let message = hosts::refusal(&key, &host, allowed);
                    return Err(ParamsError::HostNotAllowed { key, host, message });
                }
                None => return Err(invalid(&key, DECIDES_HOST)),
            }
        }
    }
    Ok(())
}

/// Keys a connecting user may set that decide the host of the authorization URL (no `enum`
/// restricts them): the authorize step of such an entry is an open redirect to any host. The
/// catalog warns about them at load.
pub fn open_authorize_host_keys(provider: &Provider) -> Vec<String> {
    let Some(url) = provider.authorization_url.as_deref() else { return Vec::new() };
    template::host_deciding_keys(url)
        .into_iter()
        .filter(|key| provider.connection_config.get(key).is_none_or(|param| param.allowed_values.is_empty()))
        .collect()
}

/// The URLs whose requests carry the client secret, a code, a refresh or an access token.
fn credential_urls(provider: &Provider) -> [Option<&str>; 3] {
    [
        provider.token_url.as_deref(),
        provider.refresh_url.as_deref(),
        provider.proxy.as_ref().map(|proxy| proxy.base_url.as_str()),
    ]
}

fn invalid(key: &str, reason: &'static str) -> ParamsError {
    ParamsError::Invalid { key: key.to_owned(), reason }
}

fn text(params: &JsonMap, key: &str) -> Result<Option<String>, ParamsError> {
    template::config_text(params, key).map_err(|error| match error {
        template::TemplateError::Unsafe { key, reason } => ParamsError::Invalid { key, reason },
        template::TemplateError::Missing { key } => ParamsError::Missing { key },
    })
}

#[cfg(test)]
#[path = "params_tests.rs"]
mod tests;
