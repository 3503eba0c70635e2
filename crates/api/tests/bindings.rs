//! The TypeScript types in `ui/src/bindings/` are generated from the API DTOs; this test fails
//! when they are stale. Regenerate with `BERTH_BLESS=1 cargo test -p berth-api --test bindings`
//! (or `make bindings`).

use std::collections::BTreeMap;
use std::path::Path;

use berth_api::*;
use ts_rs::{Config, TS};

/// Every type that crosses the IPC boundary. Dependencies are exported with them.
fn export_all(cfg: &Config) {
    AppInfo::export_all(cfg).unwrap();
    ApiError::export_all(cfg).unwrap();
    ErrorCode::export_all(cfg).unwrap();
    DoctorReport::export_all(cfg).unwrap();
    SecretInfo::export_all(cfg).unwrap();
    SettingsView::export_all(cfg).unwrap();
    TrustPolicyView::export_all(cfg).unwrap();
    TrustRuleRequest::export_all(cfg).unwrap();
    VerifiedImage::export_all(cfg).unwrap();
    ExternalGatewayView::export_all(cfg).unwrap();
    FirstRunView::export_all(cfg).unwrap();
    LocalePreference::export_all(cfg).unwrap();
    DeepLinkOutcome::export_all(cfg).unwrap();
    CatalogQuery::export_all(cfg).unwrap();
    CatalogHit::export_all(cfg).unwrap();
    CatalogItemView::export_all(cfg).unwrap();
    CatalogOverview::export_all(cfg).unwrap();
    RefreshOutcome::export_all(cfg).unwrap();
    ServerView::export_all(cfg).unwrap();
    InstallRequest::export_all(cfg).unwrap();
    MountView::export_all(cfg).unwrap();
    ConfigureRequest::export_all(cfg).unwrap();
    RemoteRequest::export_all(cfg).unwrap();
    TestTarget::export_all(cfg).unwrap();
    RemoteTestReport::export_all(cfg).unwrap();
    OAuthStatus::export_all(cfg).unwrap();
    ConnectStarted::export_all(cfg).unwrap();
    EntryChange::export_all(cfg).unwrap();
    ServerProgress::export_all(cfg).unwrap();
    ToolInfo::export_all(cfg).unwrap();
    SessionView::export_all(cfg).unwrap();
    SessionAction::export_all(cfg).unwrap();
    SessionActionOutcome::export_all(cfg).unwrap();
    CallView::export_all(cfg).unwrap();
    EventView::export_all(cfg).unwrap();
    EventQuery::export_all(cfg).unwrap();
    ClientSetup::export_all(cfg).unwrap();
    GatewayStatus::export_all(cfg).unwrap();
}

/// Every `.ts` file under `dir`, by path relative to it.
fn read_tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else if p.extension().is_some_and(|x| x == "ts") {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(rel, std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn typescript_bindings_are_fresh() {
    let committed_dir = berth_testkit::workspace_root().join("ui/src/bindings");
    let tmp = tempfile::tempdir().unwrap();
    // JS numbers hold Unix milliseconds exactly; bigint would make every timestamp awkward in the UI.
    let cfg = Config::new().with_out_dir(tmp.path()).with_large_int("number");
    export_all(&cfg);
    let fresh = read_tree(tmp.path());
    assert!(!fresh.is_empty());

    if std::env::var_os("BERTH_BLESS").is_some() {
        std::fs::create_dir_all(&committed_dir).unwrap();
        for old in read_tree(&committed_dir).keys() {
            std::fs::remove_file(committed_dir.join(old)).unwrap();
        }
        for (name, text) in &fresh {
            let path = committed_dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        return;
    }
    let committed = read_tree(&committed_dir);
    let stale: Vec<_> = fresh
        .iter()
        .filter(|(n, t)| committed.get(*n) != Some(t))
        .map(|(n, _)| n.clone())
        .chain(committed.keys().filter(|n| !fresh.contains_key(*n)).cloned())
        .collect();
    assert!(
        stale.is_empty(),
        "ui/src/bindings is stale ({stale:?}); run `make bindings` and commit the result"
    );
}
