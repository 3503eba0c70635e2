//! A secret round-tripped through the real OS keychain (Secret Service), checked with an
//! independent client (`secret-tool`) so an in-memory stand-in could not pass.

use std::process::Command;

use crate::support::require_env;

fn secret_tool_lookup(account: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", "berth", "username", account])
        .output()
        .expect("secret-tool runs (package libsecret-tools)");
    out.status.success().then(|| String::from_utf8(out.stdout).unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn secret_round_trips_through_the_real_secret_service() {
    let Some(()) = require_env("Secret Service round trip", &["DBUS_SESSION_BUS_ADDRESS"]) else { return };
    let data = tempfile::tempdir().unwrap();
    let open = || async { crate::support::open_berth(data.path()).await };
    let id = format!("e2e-{}", std::process::id());
    let key = format!("berth/test/{id}/TOKEN");
    let value = format!("tok-{id}-Ωé-value");

    let berth = open().await;
    berth.set_secret(&key, value.clone()).await.expect("stored in the keychain");
    berth.close().await;

    // Another client of the same Secret Service sees the value Berth stored.
    assert_eq!(secret_tool_lookup(&format!("test/{id}/TOKEN")).as_deref(), Some(value.as_str()));
    // A fresh Berth (as after a restart) knows it is set and can delete it.
    let berth = open().await;
    assert!(berth.is_secret_set(&key).await.unwrap());
    assert!(berth.delete_secret(&key).await.unwrap());
    assert_eq!(secret_tool_lookup(&format!("test/{id}/TOKEN")), None);
    assert!(berth.list_secrets().await.unwrap().is_empty());
    // The database never held the value.
    berth.close().await;
    let db = std::fs::read(data.path().join("berth.db")).unwrap();
    assert!(!db.windows(value.len()).any(|w| w == value.as_bytes()));
}
