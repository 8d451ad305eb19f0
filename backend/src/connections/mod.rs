//! The connection layer: what the routes do to connections, below HTTP (no axum here; kanidm's
//! `server/lib` below `https/` is the model). Every route that saves, reads or refreshes a
//! connection calls these functions, and gets a `ConnectionError` that `error.rs` turns into
//! an HTTP answer in one place.
//!
//! - `save`: seal, upsert, created-or-overridden, auth webhook (`save_new`).
//! - `lookup`: load a connection or say which part is unknown; open its credentials.
//! - `refresh`: fresh credentials, refreshing once across replicas when needed.
//! - `token`: the requests to a provider's token endpoint (code exchange, refresh).
//! - `status`: the status machine (active, refresh_failing, needs_reauth) and its webhooks.
//! - `proactive`: the background refresher of tokens about to expire.
//! - `last_fetched`: `last_fetched_at` writes taken off the read path.
//! - `tags`: the tags a connection keeps (its end user's fields, then the given tags).
//! - `import`: connections made from credentials an app already has (`POST /connections`).

mod error;
pub mod import;
pub mod last_fetched;
pub mod lookup;
pub mod proactive;
pub mod refresh;
pub mod save;
pub mod status;
pub mod tags;
pub mod token;

pub use error::ConnectionError;
pub use lookup::{load, open_credentials};
pub use refresh::{fresh_credentials, read_credentials, ReadOptions};
pub use save::{save_new, NewConnection, SavedConnection};
