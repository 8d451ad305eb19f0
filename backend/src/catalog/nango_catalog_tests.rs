//! Tests against Nango's own `providers.yaml` (the npm package `@nangohq/providers`): it loads
//! as an operator file, and most of its OAuth2 entries can start a flow here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::hosts::AllowedHosts;
use super::load_tests::{sample_config, SERVER};
use super::template::{self, Placement, TemplateError};
use super::*;
use crate::store::JsonMap;

/// The path of Nango's own `providers.yaml`, from the npm package `@nangohq/providers`
/// (pinned in `scripts/test-all.sh`, which installs it outside the clone and sets this).
const NANGO_PROVIDERS_ENV: &str = "NANGO_PROVIDERS_FIXTURE";
const NANGO_PROVIDERS_HINT: &str = "run `bash scripts/test-all.sh`, or install it yourself: \
     `npm install --prefix ~/.cache/nango-test-deps/providers-0.71.10 @nangohq/providers@0.71.10` and \
     set NANGO_PROVIDERS_FIXTURE=~/.cache/nango-test-deps/providers-0.71.10/node_modules/@nangohq/providers/providers.yaml";

/// Never skipped: without the file a test fails and says how to get it.
fn nango_file() -> std::path::PathBuf {
    let path = std::env::var_os(NANGO_PROVIDERS_ENV)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| panic!("{NANGO_PROVIDERS_ENV} is not set: {NANGO_PROVIDERS_HINT}"));
    assert!(path.is_file(), "{NANGO_PROVIDERS_ENV}={} is not a file: {NANGO_PROVIDERS_HINT}", path.display());
    path
}

#[test]
fn nango_catalog_loads_as_an_operator_file() {
    let path = nango_file();
    let catalog = Catalog::load(Some(&path), SERVER).unwrap();
    // @nangohq/providers 0.71.10 loads as 784 entries (with ours): 353 OAuth2 (302 direct,
    // the rest aliases), 332 API key, 99 Basic. The bounds leave a little room, no more: far
    // fewer would mean entries of a supported mode are being dropped.
    let count = |mode: AuthMode| catalog.providers.values().filter(|p| p.auth_mode == mode).count();
    let (n_oauth2, n_api_key, n_basic) =
        (count(AuthMode::OAuth2), count(AuthMode::ApiKey), count(AuthMode::Basic));
    assert!(catalog.len() >= 750, "only {} entries", catalog.len());
    assert!(n_oauth2 >= 340, "only {n_oauth2} OAuth2 entries");
    assert!(n_api_key >= 300, "only {n_api_key} API key entries");
    assert!(n_basic >= 90, "only {n_basic} Basic entries");

    let zendesk = catalog.get("zendesk").unwrap();
    let authorization_url = zendesk.authorization_url.as_deref().unwrap();
    assert_eq!(template::url_placeholders(authorization_url), [("subdomain".into(), Placement::Host)]);
    assert_eq!(zendesk.token_params["expires_in"], "1800");
    assert!(zendesk.connection_config["subdomain"].pattern.is_some());
    let acme = serde_json::json!({"subdomain": "acme"});
    let filled = template::fill_url(zendesk.token_url.as_deref().unwrap(), acme.as_object().unwrap());
    assert_eq!(filled.unwrap(), "https://acme.zendesk.com/oauth/tokens");

    let salesforce = catalog.get("salesforce").unwrap();
    assert_eq!(salesforce.token_response_metadata, ["instance_url"]);
    assert_eq!(salesforce.proxy.as_ref().unwrap().base_url, "${connectionConfig.instance_url}");
    let filled = template::fill_url(salesforce.token_url.as_deref().unwrap(), &JsonMap::new());
    assert_eq!(filled.unwrap(), "https://login.salesforce.com/services/oauth2/token");
    // `instance_url` is automated (from the token response), so the user is not asked for it.
    let no_params = JsonMap::new();
    let none = hosts::AllowedHosts::none();
    params::validate_connection_config(salesforce, &no_params, &none).unwrap();
    assert!(params::validate_connection_config(zendesk, &no_params, &none).is_err());

    // Every OAuth2 entry yields URLs once its placeholders have sample values.
    for provider in catalog.providers.values().filter(|p| p.auth_mode == AuthMode::OAuth2) {
        for url in [&provider.authorization_url, &provider.token_url].into_iter().flatten() {
            let filled = template::fill_url(url, &sample_config(&[url]));
            assert!(filled.is_ok(), "{}: {url}: {filled:?}", provider.name);
        }
    }
}

/// The minimum of Nango's OAuth2 entries that start a flow here (`flow_starts`), with no
/// allowed hosts, and with the hosts their users choose allowed by the operator.
const MIN_STARTING: usize = 328;
const MIN_STARTING_WITH_ALLOWED_HOSTS: usize = 352;

/// Whether an entry starts a flow: with sample values for what its user must give (a declared
/// required param's `enum` value or `example`, or a sample suited to where it lands), the
/// checks of `/oauth/connect` pass and the authorization URL builds, rewrites included.
/// With `allow_chosen_hosts`, the integration allows the hosts those values choose.
fn flow_starts(provider: &Provider, allow_chosen_hosts: bool) -> Result<String, String> {
    let authorization_url = provider.authorization_url.as_deref().ok_or("no authorization_url")?;
    let urls: Vec<&str> =
        [Some(authorization_url), provider.token_url.as_deref()].into_iter().flatten().collect();
    let placements: Vec<(String, Placement)> =
        urls.iter().flat_map(|url| template::url_placeholders(url)).collect();
    let sample = |key: &str| {
        let param = provider.connection_config.get(key);
        let placement = placements.iter().find(|(name, _)| name == key).map(|(_, placement)| *placement);
        let generic = match placement {
            Some(Placement::Origin) => "https://sample.example.com",
            Some(Placement::Authority) => "sample.example.com",
            _ => "sample",
        };
        let example = param.and_then(|param| param.example.clone()).filter(|example| match placement {
            Some(Placement::Origin) => template::check_origin(example).is_ok(),
            Some(Placement::Authority) => template::check_authority(example).is_ok(),
            Some(Placement::Host) => template::check_host(example).is_ok(),
            _ => !example.is_empty(),
        });
        let allowed = param.and_then(|param| param.allowed_values.first().cloned());
        allowed.or(example).unwrap_or_else(|| generic.to_owned())
    };
    let mut config = JsonMap::new();
    for (key, param) in &provider.connection_config {
        let from_provider =
            provider.token_response_metadata.contains(key) || provider.redirect_uri_metadata.contains(key);
        if !param.optional && !from_provider {
            config.insert(key.clone(), sample(key).into());
        }
    }
    // Other placeholders that have no fallback alternative are given by the app too (those
    // that Nango marks `automated` are filled by its dashboard), except what the provider
    // returns with the token.
    let templates = urls.iter().copied().chain(provider.authorization_params.values().map(String::as_str));
    for template in templates.collect::<Vec<_>>() {
        while let Err(TemplateError::Missing { key }) = template::fill_url(template, &config) {
            if provider.token_response_metadata.contains(&key) || config.contains_key(&key) {
                break;
            }
            config.insert(key.clone(), sample(&key).into());
        }
    }
    let mut chosen = Vec::new();
    let proxy = provider.proxy.as_ref().map(|proxy| proxy.base_url.as_str());
    for url in [provider.token_url.as_deref(), provider.refresh_url.as_deref(), proxy].into_iter().flatten() {
        let host = template::fill_url(url, &config).ok().and_then(|url| url::Url::parse(&url).ok());
        chosen.extend(host.and_then(|url| url.host_str().map(str::to_owned)));
    }
    let allowed = if allow_chosen_hosts { AllowedHosts::of("sample", &chosen) } else { AllowedHosts::none() };
    params::validate_connection_config(provider, &config, &allowed).map_err(|error| error.to_string())?;
    let filled = template::fill_url(authorization_url, &config).map_err(|error| error.to_string())?;
    let mut url = url::Url::parse(&filled).map_err(|error| format!("{filled}: {error}"))?;
    // The standard parameters, then the catalog's on top, as `oauth::authorize_url` sets them.
    let mut pairs: Vec<(String, String)> =
        ["response_type=code", "client_id=cid", "redirect_uri=https://app.example/cb", "state=S"]
            .iter()
            .filter_map(|pair| pair.split_once('='))
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect();
    for (key, value) in &provider.authorization_params {
        let value = template::fill_value(value, &config).map_err(|error| error.to_string())?;
        match pairs.iter_mut().find(|(existing, _)| existing == key) {
            Some(pair) => pair.1 = value,
            None => pairs.push((key.clone(), value)),
        }
    }
    url.query_pairs_mut().extend_pairs(pairs);
    let rewritten = rewrites::rewrite_authorization_url(provider, &url);
    url::Url::parse(&rewritten).map_err(|error| format!("{rewritten}: {error}"))?;
    Ok(rewritten)
}

#[test]
fn most_nango_oauth2_entries_start_a_flow() {
    let path = nango_file();
    let names: Vec<String> =
        raw_entries(&std::fs::read_to_string(&path).unwrap(), "nango").unwrap().into_keys().collect();
    let catalog = Catalog::load(Some(&path), SERVER).unwrap();
    let oauth2: Vec<&Provider> = names
        .iter()
        .filter_map(|name| catalog.get(name))
        .filter(|provider| provider.auth_mode == AuthMode::OAuth2)
        .collect();
    let refused: Vec<(String, String)> = oauth2
        .iter()
        .filter_map(|provider| flow_starts(provider, false).err().map(|error| (provider.name.clone(), error)))
        .collect();
    let still_refused: Vec<(String, String)> = oauth2
        .iter()
        .filter_map(|provider| flow_starts(provider, true).err().map(|error| (provider.name.clone(), error)))
        .collect();
    let n_starting = oauth2.len() - refused.len();
    let n_starting_allowed = oauth2.len() - still_refused.len();
    println!(
        "{n_starting} of Nango's {} OAuth2 entries start a flow; {n_starting_allowed} when the \
         integration allows the hosts their users choose",
        oauth2.len()
    );
    for (name, error) in &refused {
        println!("  refused by default: {name}: {error}");
    }
    for (name, error) in &still_refused {
        println!("  refused even with allowed hosts: {name}: {error}");
    }
    assert!(n_starting >= MIN_STARTING, "{n_starting} start a flow, expected at least {MIN_STARTING}");
    assert!(
        n_starting_allowed >= MIN_STARTING_WITH_ALLOWED_HOSTS,
        "{n_starting_allowed} start a flow with allowed hosts, expected at least {MIN_STARTING_WITH_ALLOWED_HOSTS}"
    );
    // Every refusal by default is about the credential host, and says how to allow it.
    for (name, error) in
        refused.iter().filter(|(name, _)| !still_refused.iter().any(|(other, _)| other == name))
    {
        assert!(error.contains("allowed_hosts") && error.contains("PATCH /integrations/"), "{name}: {error}");
    }
}

/// Nango's authorization URL rewrites reach the URL the user is sent to.
#[test]
fn nango_authorization_url_rewrites_are_applied() {
    let catalog = Catalog::load(Some(&nango_file()), SERVER).unwrap();
    let url = |name: &str| flow_starts(catalog.get(name).unwrap(), false).unwrap();
    assert!(url("tiktok-accounts").contains("&client_key=cid&"), "{}", url("tiktok-accounts"));
    assert!(url("tiktok-ads").contains("&app_id=cid&"), "{}", url("tiktok-ads"));
    assert!(url("printful").contains("&redirect_url=https"), "{}", url("printful"));
    assert!(url("monday").contains("?=code&client_id=cid"), "{}", url("monday"));
    let walmart = url("walmart");
    assert!(walmart.contains("responseType=code&clientId=cid&redirectUri="), "{walmart}");
    assert!(
        url("apollo-oauth").starts_with("https://app.apollo.io/#oauth/authorize?"),
        "{}",
        url("apollo-oauth")
    );
    let shopline = url("shopline-oauth");
    assert!(
        shopline.starts_with("https://open001.myshopline.com/admin/oauth-web/#/oauth/authorize?"),
        "{shopline}"
    );
    assert!(
        shopline.contains("responseType=code&appKey=cid&redirectUri=https")
            && shopline.ends_with("&customField=S"),
        "{shopline}"
    );
}
