//! Berth's SQLite database: opening it safely for several processes at once, embedded
//! migrations, and typed queries per table.
//!
//! The desktop app and the CLI open the same file concurrently, so the database runs in WAL mode
//! with a busy timeout, and every multi-statement change happens in one transaction.

mod catalog_sources;
mod client_tokens;
mod clock;
mod db;
mod error;
mod events;
mod external_gateways;
mod oauth_states;
mod secret_refs;
mod servers;
mod session_actions;
mod sessions;
mod settings;

pub use catalog_sources::{CatalogFetch, CatalogSourceRow};
pub use clock::{Clock, SystemClock};
pub use db::{DB_FILE, Store};
pub use error::StoreError;
pub use events::{EventFilter, EventRecord, EventRow, KEEP_EVENTS};
pub use external_gateways::ExternalGatewayRow;
pub use oauth_states::OAUTH_STATE_TTL_MS;
pub use secret_refs::SecretRef;
pub use servers::{ServerRow, ServerState};
pub use session_actions::SessionActionRow;
pub use sessions::{CallRecord, CallRow, SessionRow, SessionServerRow};
