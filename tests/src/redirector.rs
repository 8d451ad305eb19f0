//! A tiny server that stands for an app's custom callback URL: it answers 308 to the broker's
//! `/oauth/callback`, keeping the query (SPEC §5 "Custom callback URL").

use axum::extract::{OriginalUri, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use std::net::SocketAddr;

pub struct Redirector {
    addr: SocketAddr,
}

impl Redirector {
    /// Redirect every request to `target` (e.g. `app.callback_url()`) with its query.
    pub async fn spawn(target: String) -> Self {
        let router = Router::new().fallback(redirect).with_state(target);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind redirector");
        let addr = listener.local_addr().expect("redirector address");
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { addr }
    }

    /// The custom callback URL: `http://127.0.0.1:PORT/auth/callback`.
    pub fn url(&self) -> String {
        format!("http://{}/auth/callback", self.addr)
    }
}

async fn redirect(State(target): State<String>, OriginalUri(uri): OriginalUri) -> impl IntoResponse {
    let location = match uri.query() {
        Some(query) => format!("{target}?{query}"),
        None => target,
    };
    (StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, location)])
}
