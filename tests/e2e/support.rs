//! Shared pieces: service requirements, a tauri-driver per test, polling helpers.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

/// Returns `Some(())` when every named variable is set. Otherwise prints why the test is skipped,
/// or panics when `BERTH_REQUIRE_SERVICES` says the services must be there.
pub fn require_env(test: &str, vars: &[&str]) -> Option<()> {
    let missing: Vec<_> = vars.iter().filter(|v| std::env::var_os(v).is_none()).collect();
    if missing.is_empty() {
        return Some(());
    }
    let why = format!("{test}: needs {missing:?} (run it through `make test`)");
    if std::env::var_os("BERTH_REQUIRE_SERVICES").is_some() {
        panic!("required service missing: {why}");
    }
    eprintln!("skipped: {why}");
    None
}

/// A tauri-driver process serving one test, with the app's environment; killed on drop.
pub struct Driver {
    child: Child,
    pub url: String,
}

impl Driver {
    /// Starts tauri-driver on free ports. `data_dir` becomes the app's `BERTH_DATA_DIR`.
    pub async fn start(data_dir: &Path) -> Driver {
        Self::start_with(data_dir, &[]).await
    }

    /// [`Driver::start`] with more variables in the app's environment (`BROWSER`, say).
    pub async fn start_with(data_dir: &Path, env: &[(&str, &std::ffi::OsStr)]) -> Driver {
        // The fixture images are built here, in no registry and signed by nobody.
        let berth = open_berth(data_dir).await;
        berth.set_verify_signatures(false).await.expect("verification turned off");
        berth.close().await;
        Self::start_verifying(data_dir, env).await
    }

    /// [`Driver::start_with`] leaving image signature verification as the data folder has it
    /// (on, unless turned off).
    pub async fn start_verifying(data_dir: &Path, env: &[(&str, &std::ffi::OsStr)]) -> Driver {
        let (port, native) = (berth_testkit::free_port(), berth_testkit::free_port());
        let bin = std::env::var_os("BERTH_TAURI_DRIVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| "tauri-driver".into());
        let child = app_environment(&mut Command::new(&bin), data_dir)
            .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let driver = Driver { child, url: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            assert!(Instant::now() < deadline, "tauri-driver did not listen on {port} within 20 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        driver
    }

    /// Opens a WebDriver session: this launches the desktop binary.
    pub async fn launch_app(&self) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": env!("CARGO_BIN_EXE_berth-desktop") }),
        );
        caps.insert("browserName".into(), "wry".into());
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            // A launch that never produces a window must fail the test, not hang it.
            let mut builder = ClientBuilder::rustls().unwrap();
            builder.capabilities(caps.clone());
            let connected = tokio::time::timeout(Duration::from_secs(30), builder.connect(&self.url))
                .await
                .unwrap_or_else(|_| {
                    panic!("the app launched by WebDriver never opened its window within 30 s")
                });
            match connected {
                Ok(c) => return c,
                Err(e) if Instant::now() < deadline => {
                    eprintln!("waiting for a WebDriver session: {e}");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => panic!("no WebDriver session within 60 s: {e}"),
            }
        }
    }
}

impl Drop for Driver {
    /// SIGTERM first, so tauri-driver stops and reaps its WebKitWebDriver; SIGKILL only if it hangs.
    /// Then no app the test launched may outlive it.
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while !matches!(self.child.try_wait(), Ok(Some(_))) {
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        end_app_processes();
    }
}

/// The environment a test gives the desktop app (directly, or through tauri-driver): `data_dir`
/// as its `BERTH_DATA_DIR`.
pub fn app_environment<'a>(command: &'a mut Command, data_dir: &Path) -> &'a mut Command {
    std::fs::create_dir_all(data_dir.join("home/.config")).unwrap();
    command
        .env("BERTH_DATA_DIR", data_dir)
        // A home of its own, so client setup in a test never touches the user's real files.
        .env("HOME", data_dir.join("home"))
        .env("XDG_CONFIG_HOME", data_dir.join("home/.config"))
        // A fixed OS locale, so "follow the system" starts in English whatever the machine says.
        .env("LANG", "en_US.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
}

/// Quits the desktop app as logout does (SIGTERM: it stops its servers and exits) and waits until
/// it and its single-instance name are gone, so the next launch is a fresh one.
pub fn quit_app() {
    end_app_processes();
}

/// Ends any desktop app a test launched that outlived its driver. The app is a single instance:
/// one left running would take over the next test's launch, which would then never get a window.
fn end_app_processes() {
    let bin = env!("CARGO_BIN_EXE_berth-desktop");
    let running = || Command::new("pgrep").args(["-f", bin]).output().is_ok_and(|o| !o.stdout.is_empty());
    if running() {
        // SIGTERM first: the app stops the servers it runs before it exits.
        let _ = Command::new("pkill").args(["-TERM", "-f", bin]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while running() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("pkill").args(["-KILL", "-f", bin]).status();
    }
    // The next launch must find neither the process nor its single-instance name on the session
    // bus: a name still held by a dead app makes that launch forward to nobody and exit.
    let deadline = Instant::now() + Duration::from_secs(10);
    while (running() || single_instance_name_held()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether the session bus still lists the desktop app's single-instance name.
fn single_instance_name_held() -> bool {
    std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() && single_instance_owner().is_some()
}

/// The process that holds the desktop app's single-instance name on the session bus, if any (the
/// bus answers an error for a name nobody holds).
pub fn single_instance_owner() -> Option<u32> {
    let out = Command::new("dbus-send")
        .args(["--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus"])
        .args(["org.freedesktop.DBus.GetConnectionUnixProcessID", "string:dev.berth.desktop.SingleInstance"])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace().skip_while(|w| *w != "uint32").nth(1)?.parse().ok()
}

/// Waits for the element with `data-testid` and returns it.
pub async fn by_testid(c: &Client, id: &str) -> fantoccini::elements::Element {
    let css = format!("[data-testid=\"{id}\"]");
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(&css))
        .await
        .unwrap_or_else(|e| panic!("element {id} did not appear: {e}"))
}

/// Waits up to `within` until `css` matches, and returns the first match. When it never does, the
/// panic says what error banner the window shows instead, to tell a slow step from a refused one.
pub async fn wait_for_css(
    c: &Client,
    css: &str,
    what: &str,
    within: Duration,
) -> fantoccini::elements::Element {
    let deadline = Instant::now() + within;
    loop {
        if let Ok(el) = c.find(Locator::Css(css)).await {
            return el;
        }
        if Instant::now() >= deadline {
            let error = match c.find(Locator::Css("[data-testid=error-banner]")).await {
                Ok(banner) => banner.text().await.unwrap_or_default(),
                Err(_) => "no error shown".into(),
            };
            panic!("{what} never appeared ({css}); {error}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits up to `within` until nothing matches `css`.
pub async fn wait_gone(c: &Client, css: &str, what: &str, within: Duration) {
    let deadline = Instant::now() + within;
    while c.find(Locator::Css(css)).await.is_ok() {
        assert!(Instant::now() < deadline, "{what} is still shown ({css})");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Polls the text of `data-testid=id` until it equals `want`; panics with the last text seen.
pub async fn wait_for_text(c: &Client, id: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(text) = by_testid(c, id).await.text().await {
            if text.trim() == want {
                return;
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{id} never showed {want:?}; last text {last:?}");
}

/// Turns on the gateway the desktop app hosts (on Settings, titled `settings` in the window's
/// language) and connects an MCP client to it with the token the window shows.
pub async fn desktop_gateway_client(
    c: &Client,
    settings: &str,
) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    by_testid(c, "nav-settings").await.click().await.unwrap();
    wait_for_text(c, "page-title", settings).await;
    by_testid(c, "gateway-toggle").await.click().await.unwrap();
    let gateway = by_testid(c, "gateway-url").await.attr("data-url").await.unwrap().unwrap();
    by_testid(c, "gateway-token-show").await.click().await.unwrap();
    let token = by_testid(c, "gateway-token").await.text().await.unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
    let http = reqwest::Client::builder().default_headers(headers).build().unwrap();
    let config = rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig::with_uri(
        gateway.as_str(),
    );
    let transport = rmcp::transport::StreamableHttpClientTransport::with_client(http, config);
    rmcp::serve_client((), transport).await.expect("MCP handshake with the desktop gateway")
}

/// Saves a screenshot of the window when `BERTH_E2E_SCREENSHOTS` names a folder, for a person
/// to look at what the test saw.
pub async fn screenshot(c: &Client, name: &str) {
    if let Some(dir) = std::env::var_os("BERTH_E2E_SCREENSHOTS") {
        let png = c.screenshot().await.expect("screenshot");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(Path::new(&dir).join(format!("{name}.png")), png).unwrap();
    }
}

/// Polls until the first element matching `css` has `attr` equal to `want`.
pub async fn wait_for_first_attr(c: &Client, css: &str, attr: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = None;
    while Instant::now() < deadline {
        if let Ok(el) = c.find(Locator::Css(css)).await {
            last = el.attr(attr).await.ok().flatten();
            if last.as_deref() == Some(want) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("first {css} never had {attr}={want:?}; last {last:?}");
}

/// Polls the text of `data-testid=id` until it contains `part`, for up to `within`.
pub async fn wait_for_text_containing(c: &Client, id: &str, part: &str, within: Duration) {
    let deadline = Instant::now() + within;
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(el) = c.find(Locator::Css(&format!("[data-testid=\"{id}\"]"))).await
            && let Ok(text) = el.text().await
        {
            if text.contains(part) {
                return;
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{id} never contained {part:?}; last text {last:?}");
}

/// Berth over `data` with the real keychain, as the app opens it: the tests prepare a data folder
/// (settings, catalog sources, sessions) through it before and beside the app.
pub async fn open_berth(data: &Path) -> berth_api::Berth {
    berth_api::Berth::open(berth_api::BerthOptions::new(data.to_owned(), berth_api::Redactor::new()))
        .await
        .expect("Berth opens over the test's data folder")
}

/// The window services and a Docker engine, or the test skips (fails under
/// `BERTH_REQUIRE_SERVICES`).
pub fn window_and_docker(test: &str) -> bool {
    require_env(test, crate::desktop::NEEDS).is_some()
        && berth_testkit::require(test, berth_testkit::docker_available(), "needs a running Docker engine")
}

/// Adds `entries` (catalog YAML under `registry:`) to the Berth over `data` as a catalog source.
pub async fn add_catalog(berth: &berth_api::Berth, data: &Path, entries: &str) {
    let file = data.join("fixtures.yaml");
    std::fs::write(&file, format!("registry:\n{entries}")).unwrap();
    berth.catalog_source_add(file.to_str().unwrap(), Some("fixtures")).await.unwrap();
}
