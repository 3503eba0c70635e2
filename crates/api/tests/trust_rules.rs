//! Trust rules are operator input from files and the command line, treated as hostile: a pattern
//! that is not a registry/repository, a key that is not a PEM public key (a private key above
//! all, which must never be stored), a signatures repository with a tag, Rekor required without
//! its key — each is refused with the reason, and the rules stay exactly as they were.

use std::sync::Arc;

use berth_api::{Berth, BerthOptions, ErrorCode, Redactor, TrustRuleRequest};
use berth_secrets::{MemoryStore, SecretStore};

const PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAETcvGv5qypnoxKkFIQOdXZ+2H6JN8
8kmAQrMkTb6SmJ7BY59OJIOpTwdjD5joLot6zFs1Q7HHDmkF5HOaC8zSnA==
-----END PUBLIC KEY-----
";

#[tokio::test]
async fn hostile_trust_rules_are_refused_with_the_reason_and_store_nothing() {
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
    let before = serde_json::to_value(b.trust_policy().await.unwrap()).unwrap();
    let rule = |pattern: &str, key: &str| TrustRuleRequest {
        pattern: pattern.into(),
        keys: vec![key.into()],
        ..Default::default()
    };
    let private = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n";
    let garbled = PUBLIC.replace("MFkw", "AAAA");
    let cases: Vec<(&str, TrustRuleRequest, &str)> = vec![
        ("no registry", rule("mcp/*", PUBLIC), "registry"),
        ("wildcard registry", rule("*/mcp/x", PUBLIC), "registry"),
        ("partial wildcard", rule("docker.io/mc*p", PUBLIC), "wildcard"),
        ("path traversal", rule("docker.io/../etc", PUBLIC), "not a repository"),
        ("upper case", rule("docker.io/UP", PUBLIC), "not a repository"),
        ("empty part", rule("docker.io//x", PUBLIC), "pattern"),
        ("private key", rule("docker.io/acme/*", private), "private key"),
        ("not PEM", rule("docker.io/acme/*", "ssh-ed25519 AAAAC3Nz"), "PEM"),
        ("garbled key", rule("docker.io/acme/*", &garbled), "key"),
        ("no key", TrustRuleRequest { pattern: "docker.io/acme/*".into(), ..Default::default() }, "no key"),
        (
            "tagged signatures repository",
            TrustRuleRequest {
                signatures_repo: Some("docker.io/acme/sigs:latest".into()),
                ..rule("docker.io/acme/*", PUBLIC)
            },
            "tag",
        ),
        (
            "both signature places",
            TrustRuleRequest {
                signatures_repo: Some("docker.io/acme/sigs".into()),
                referrers: true,
                ..rule("docker.io/acme/*", PUBLIC)
            },
            "either",
        ),
        (
            "Rekor required without its key",
            TrustRuleRequest { require_rekor: true, ..rule("docker.io/acme/*", PUBLIC) },
            "Rekor",
        ),
    ];
    for (what, req, says) in cases {
        let e = b.trust_add(req).await.expect_err(what);
        assert_eq!(e.code, ErrorCode::Validation, "{what}: {e:?}");
        assert!(e.message.contains(says), "{what}: {}", e.message);
        assert!(e.message.contains("Nothing was changed"), "{what}: {}", e.message);
        assert_eq!(
            serde_json::to_value(b.trust_policy().await.unwrap()).unwrap(),
            before,
            "{what} changed the rules"
        );
    }
    let removed = b.trust_remove("docker.io/nothing/*").await.unwrap_err();
    assert_eq!(removed.code, ErrorCode::NotFound);

    // A good rule is taken, shown by fingerprint only.
    let policy = b.trust_add(rule("docker.io/acme/*", PUBLIC)).await.unwrap();
    assert!(!serde_json::to_string(&policy).unwrap().contains("BEGIN"));
    assert_eq!(policy.rules.len(), 2);

    b.close().await;
}
