//! `Berth`: the opened application context every facade function runs against.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use berth_runtime::ContainerRuntime;
use berth_secrets::{Keychain, Redacting, Redactor, SecretStore};
use berth_servers::{RuntimeSource, Supervisor};
use berth_store::{Clock, Store, SystemClock};

use crate::{ApiError, ErrorCode};

/// Opening the keychain talks to a system service; a hung service must not hang Berth's start.
const KEYCHAIN_OPEN_TIMEOUT: Duration = Duration::from_secs(10);

/// What a binary hands to [`Berth::open`]: everything the core would otherwise read from globals.
pub struct BerthOptions {
    pub data_dir: PathBuf,
    /// The set of secret values the log writer masks; the same one given to logging.
    pub redactor: Redactor,
    /// The OS locale (BCP 47, e.g. `ja-JP`), when known.
    pub system_locale: Option<String>,
    /// The secret store; `None` opens the OS keychain.
    pub secrets: Option<Arc<dyn SecretStore>>,
    /// The container engine; `None` connects to Docker the first time a server needs it.
    pub runtime: Option<Arc<dyn ContainerRuntime>>,
    /// The clock for stored times and call timestamps; `None` is the wall clock.
    pub clock: Option<Arc<dyn Clock>>,
}

impl BerthOptions {
    /// The real parts over `data_dir`: the OS keychain, Docker, the wall clock, no locale known.
    pub fn new(data_dir: PathBuf, redactor: Redactor) -> Self {
        Self { data_dir, redactor, system_locale: None, secrets: None, runtime: None, clock: None }
    }
}

/// The opened application: database, secret store and host facts.
#[derive(Clone)]
pub struct Berth {
    pub(crate) store: Store,
    secrets: Arc<Secrets>,
    pub(crate) data_dir: PathBuf,
    pub(crate) system_locale: Option<String>,
    pub(crate) catalog: Arc<tokio::sync::RwLock<Option<Arc<crate::catalog::LoadedCatalog>>>>,
    pub(crate) http: Arc<std::sync::OnceLock<berth_net::HttpClient>>,
    /// The servers this process runs. It connects to the container engine only when a server
    /// needs one, so the rest of Berth works without Docker.
    pub(crate) supervisor: Arc<Supervisor>,
    pub(crate) clock: Arc<dyn Clock>,
    /// The gateway sessions this process serves, for actions asked of them.
    pub(crate) live_sessions: Arc<crate::gateway::LiveSessions>,
    /// The gateway this process hosts for the desktop app, while it is on.
    pub(crate) hosted: Arc<crate::gateway::HostedGateway>,
}

impl Berth {
    /// Opens the database (migrating it) and the secret store. A keychain that cannot be opened
    /// does not stop Berth: everything that needs no secret keeps working, and the rest reports
    /// `keychain_unavailable` with the fix.
    pub async fn open(options: BerthOptions) -> Result<Self, ApiError> {
        let clock = options.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let store = Store::open_in_with(&options.data_dir, clock.clone()).await?;
        let runtime = match options.runtime {
            Some(r) => RuntimeSource::Given(r),
            None => RuntimeSource::Docker,
        };
        let secrets = Arc::new(Secrets::new(options.secrets, options.redactor));
        Ok(Self {
            store,
            secrets,
            data_dir: options.data_dir,
            system_locale: options.system_locale,
            catalog: Default::default(),
            http: Default::default(),
            supervisor: Arc::new(Supervisor::new(runtime)),
            clock,
            live_sessions: Default::default(),
            hosted: Default::default(),
        })
    }

    /// The secret store, or why it cannot be used. The OS keychain is opened the first time a
    /// secret is needed, not at start: until then Berth holds no connection to the keyring, and a
    /// command that needs no secret never talks to it.
    pub(crate) async fn secrets(&self) -> Result<Arc<dyn SecretStore>, ApiError> {
        self.secrets.get().await
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Now, in Unix milliseconds, from the injected clock.
    pub(crate) fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Runs blocking secret-store work off the async threads.
    pub(crate) async fn with_secrets<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn SecretStore) -> Result<T, berth_secrets::SecretError> + Send + 'static,
    {
        let store = self.secrets().await?;
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .map_err(|e| ApiError::internal("a keychain operation crashed").with_detail(e.to_string()))?
            .map_err(ApiError::from)
    }

    /// Closes the database cleanly (checkpointing its WAL).
    pub async fn close(&self) {
        self.store.close().await;
    }
}

/// The secret store a `Berth` was given, or the OS keychain once it has been opened.
struct Secrets {
    given: Option<Arc<dyn SecretStore>>,
    keychain: tokio::sync::OnceCell<Arc<dyn SecretStore>>,
    redactor: Redactor,
}

impl Secrets {
    fn new(given: Option<Arc<dyn SecretStore>>, redactor: Redactor) -> Self {
        let given = given.map(|s| Arc::new(Redacting::new(s, redactor.clone())) as Arc<dyn SecretStore>);
        Self { given, keychain: tokio::sync::OnceCell::new(), redactor }
    }

    /// A keychain that could not be opened is tried again at the next need: the user may have
    /// started or unlocked it meanwhile.
    async fn get(&self) -> Result<Arc<dyn SecretStore>, ApiError> {
        if let Some(s) = &self.given {
            return Ok(s.clone());
        }
        let opened = self.keychain.get_or_try_init(|| open_keychain(self.redactor.clone())).await;
        if let Err(e) = &opened {
            tracing::info!(code = ?e.code, "keychain unavailable: {}", e.message);
        }
        opened.cloned()
    }
}

async fn open_keychain(redactor: Redactor) -> Result<Arc<dyn SecretStore>, ApiError> {
    let opened =
        tokio::time::timeout(KEYCHAIN_OPEN_TIMEOUT, tokio::task::spawn_blocking(Keychain::open)).await;
    match opened {
        Ok(Ok(Ok(k))) => Ok(Arc::new(Redacting::new(k, redactor))),
        Ok(Ok(Err(e))) => Err(e.into()),
        Ok(Err(join)) => {
            Err(ApiError::internal("opening the keychain crashed").with_detail(join.to_string()))
        }
        Err(_) => {
            Err(ApiError::msg(ErrorCode::KeychainUnavailable, crate::msg!("msg.keychain.timeout"))
                .retryable())
        }
    }
}
