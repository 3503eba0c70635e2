//! Changing an installed server's configuration after install: checked like an install (schema,
//! host folders, limits), refused changes leave everything as it was, and a good change is used.

use std::sync::Arc;

use berth_api::{Berth, BerthOptions, ConfigureRequest, ErrorCode, InstallRequest, Redactor, ServerSettings};
use berth_secrets::{MemoryStore, SecretStore};
use serde_json::json;

#[tokio::test]
async fn an_installed_servers_configuration_can_be_changed_with_the_installs_checks() {
    let dir = tempfile::tempdir().unwrap();
    let b = Berth::open(BerthOptions {
        data_dir: dir.path().to_owned(),
        redactor: Redactor::new(),
        system_locale: None,
        secrets: Some(Arc::new(MemoryStore::default()) as Arc<dyn SecretStore>),
        runtime: None,
        clock: None,
    })
    .await
    .unwrap();
    let catalog = dir.path().join("files.yaml");
    std::fs::write(
        &catalog,
        "registry:\n  files:\n    image: example/files:1\n    volumes: ['{{files.path}}:/data']\n    config:\n      - name: files\n        type: object\n        properties:\n          path: {type: string}\n        required: [path]\n",
    )
    .unwrap();
    b.catalog_source_add(catalog.to_str().unwrap(), Some("files")).await.unwrap();
    let first = dir.path().join("first");
    std::fs::create_dir(&first).unwrap();
    b.server_install(InstallRequest {
        catalog_name: "files".into(),
        config: json!({"path": first.display().to_string()}),
        ..Default::default()
    })
    .await
    .unwrap();

    // Refused, each for its reason, and nothing changes.
    let change = |config: serde_json::Value| ConfigureRequest { config: Some(config), ..Default::default() };
    let relative = b.server_configure("files", change(json!({"path": "docs"}))).await.unwrap_err();
    assert!(relative.message.contains("absolute path"), "{}", relative.message);
    // Each refusal has its own key, so it reads in Japanese too, with the path as given.
    assert_eq!(relative.key.as_deref(), Some("msg.folder.relative"));
    let ja = relative.text(berth_api::Locale::Ja);
    assert!(ja.contains("絶対パス") && ja.contains("docs"), "{ja}");
    let root = b.server_configure("files", change(json!({"path": "/tmp/../"}))).await.unwrap_err();
    assert!(root.message.contains("root folder"), "{}", root.message);
    assert_eq!(root.key.as_deref(), Some("msg.folder.root"));
    let wrong = b.server_configure("files", change(json!({"path": 3}))).await.unwrap_err();
    assert_eq!(wrong.code, ErrorCode::Validation);
    let limits = ConfigureRequest {
        settings: Some(ServerSettings { cpus: 1000.0, ..Default::default() }),
        ..Default::default()
    };
    assert!(b.server_configure("files", limits).await.is_err());
    assert_eq!(b.server_show("files").await.unwrap().config, json!({"path": first.display().to_string()}));

    // A good change is kept.
    let second = dir.path().join("second");
    std::fs::create_dir(&second).unwrap();
    let view = b
        .server_configure(
            "files",
            ConfigureRequest {
                config: Some(json!({"path": second.display().to_string()})),
                settings: Some(ServerSettings { cpus: 0.5, memory_mb: 512, ..Default::default() }),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(view.config, json!({"path": second.display().to_string()}));
    assert_eq!((view.settings.cpus, view.settings.memory_mb), (0.5, 512));
    assert!(view.has_mounts && view.config_schema.is_some());
    let missing = b.server_configure("nothing", ConfigureRequest::default()).await.unwrap_err();
    assert_eq!(missing.code, ErrorCode::NotFound);
}
