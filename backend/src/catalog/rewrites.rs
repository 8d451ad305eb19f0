//! Nango's rewrites of a built authorization URL, for providers whose authorize page does not
//! read the standard query (SPEC §4): `authorization_url_fragment` moves the query behind a
//! fragment (single-page apps that route on `#/oauth/authorize`), then each
//! `authorization_url_replacements` entry replaces the first occurrence of its key in the whole
//! URL (`client_id` → `client_key`, `state=` → `customField=`), in the order of the file.
//!
//! The rewrites are catalog data applied to a URL whose values are already filled and encoded,
//! so a caller's value cannot introduce one: every value is percent-encoded where it lands, and
//! the keys of the catalog's replacements are literal text.

use super::Provider;

/// `url` (the built authorization URL) with the provider's rewrites applied, as Nango applies
/// them: the fragment first, then the replacements.
pub fn rewrite_authorization_url(provider: &Provider, url: &url::Url) -> String {
    let mut out = match provider.authorization_url_fragment.as_deref() {
        Some(fragment) => {
            let search = url.query().filter(|query| !query.is_empty()).map(|query| format!("?{query}"));
            let mut base = url.clone();
            base.set_query(None);
            base.set_fragment(None);
            format!("{}#{fragment}{}", base.as_str(), search.unwrap_or_default())
        }
        None => url.as_str().to_owned(),
    };
    for (from, to) in &provider.authorization_url_replacements {
        // An empty key would only insert text at the start; the parser refuses it.
        if !from.is_empty() {
            out = out.replacen(from.as_str(), to, 1);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(fragment: Option<&str>, replacements: &[(&str, &str)]) -> Provider {
        let yaml = "auth_mode: OAUTH2\nauthorization_url: https://a.example.com/x\ntoken_url: https://a.example.com/t";
        let mut provider =
            super::super::parse::parse_entry("p", serde_yaml::from_str(yaml).unwrap()).unwrap();
        provider.authorization_url_fragment = fragment.map(str::to_owned);
        provider.authorization_url_replacements =
            replacements.iter().map(|(from, to)| ((*from).to_owned(), (*to).to_owned())).collect();
        provider
    }

    fn url(text: &str) -> url::Url {
        url::Url::parse(text).unwrap()
    }

    #[test]
    fn without_rewrites_the_url_is_unchanged() {
        let built = url("https://a.example.com/authorize?response_type=code&client_id=cid");
        assert_eq!(rewrite_authorization_url(&provider(None, &[]), &built), built.as_str());
    }

    #[test]
    fn a_fragment_carries_the_query_behind_it() {
        let built = url("https://app.example.com?response_type=code&state=S");
        let rewritten = rewrite_authorization_url(&provider(Some("oauth/authorize"), &[]), &built);
        assert_eq!(rewritten, "https://app.example.com/#oauth/authorize?response_type=code&state=S");
        let built = url("https://shop.example.com/admin/oauth-web/?a=1");
        let rewritten = rewrite_authorization_url(&provider(Some("/oauth/authorize"), &[]), &built);
        assert_eq!(rewritten, "https://shop.example.com/admin/oauth-web/#/oauth/authorize?a=1");
        // Without a query the fragment stands alone.
        let rewritten =
            rewrite_authorization_url(&provider(Some("go"), &[]), &url("https://x.example.com/p"));
        assert_eq!(rewritten, "https://x.example.com/p#go");
    }

    #[test]
    fn replacements_replace_the_first_occurrence_in_order() {
        let built =
            url("https://a.example.com/auth?response_type=code&client_id=cid&redirect_uri=r&x=client_id");
        let rewritten = rewrite_authorization_url(&provider(None, &[("client_id", "client_key")]), &built);
        assert_eq!(
            rewritten,
            "https://a.example.com/auth?response_type=code&client_key=cid&redirect_uri=r&x=client_id"
        );
        // An empty replacement removes the key, leaving its value (Nango's `response_type: ''`).
        let rewritten = rewrite_authorization_url(&provider(None, &[("response_type", "")]), &built);
        assert!(rewritten.starts_with("https://a.example.com/auth?=code&client_id=cid"), "{rewritten}");
        // Later replacements see the earlier ones' result.
        let chained = provider(None, &[("client_id=", "appKey="), ("appKey=", "app_key=")]);
        assert!(rewrite_authorization_url(&chained, &built).contains("&app_key=cid&"));
        let missing = provider(None, &[("no_such_key", "x")]);
        assert_eq!(rewrite_authorization_url(&missing, &built), built.as_str());
    }

    #[test]
    fn the_fragment_comes_before_the_replacements() {
        let built = url("https://s.example.com/web/?response_type=code&client_id=cid&state=S");
        let both =
            provider(Some("/oauth/authorize"), &[("client_id=", "appKey="), ("state=", "customField=")]);
        let rewritten = rewrite_authorization_url(&both, &built);
        assert_eq!(
            rewritten,
            "https://s.example.com/web/#/oauth/authorize?response_type=code&appKey=cid&customField=S"
        );
        assert!(url::Url::parse(&rewritten).is_ok());
    }
}
