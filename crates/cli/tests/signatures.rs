//! Image signature verification against a real local registry (`docker-registry`) holding images
//! signed in cosign's format by a test signer that shares no code with Berth's verifier
//! (`tests/fixtures/cosign-sign.py`, Python's `cryptography`): the simple-signing payload as a
//! blob and the `sha256-<hex>.sig` manifest whose layer carries the
//! `dev.cosignproject.cosign/signature` annotation, and, for the Rekor cases, a bundle whose signed
//! entry timestamp a test Rekor key makes. A signed image runs by its verified digest; unsigned,
//! wrong key, tampered payload, a tag pushed again with another digest, no matching rule, a
//! signature in a dedicated repository, Sigstore bundles attached as OCI referrers (cosign 3's
//! layout), Rekor bundles and an unreachable registry each give their
//! own code, in `berth trust verify`, `berth server start` and a gateway's `mcp-add` reply, and no
//! container is created for a refused image. A failing verification with secrets configured
//! leaves no secret value in any log, and each verification writes one summary line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use berth_testkit::cosign::{keygen, push, sign};
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};

/// The local registry the services script starts, and its storage folder.
fn registry(test: &str) -> Option<(String, PathBuf)> {
    let host = berth_testkit::cosign::registry();
    let root = std::env::var_os("BERTH_TEST_REGISTRY_ROOT").map(PathBuf::from);
    let ready = host.is_some() && root.is_some() && berth_testkit::docker_available();
    if !berth_testkit::require(
        test,
        ready,
        "needs Docker and BERTH_TEST_REGISTRY(_ROOT) (make test starts them)",
    ) {
        return None;
    }
    Some((host.unwrap(), root.unwrap()))
}

/// Runs `cmd`, which must succeed; its standard output.
fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn berth(b: &berth_testkit::Berth, args: &[&str]) -> Output {
    b.command().args(args).output().unwrap()
}

/// `berth trust verify IMAGE --json`: the code it refused with, or `ok`.
fn verify(b: &berth_testkit::Berth, image: &str) -> String {
    let out = berth(b, &["trust", "verify", image, "--json"]);
    let said: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"));
    match out.status.success() {
        true => {
            assert!(said["pinned"].as_str().unwrap().contains("@sha256:"), "{said}");
            "ok".into()
        }
        false => said["code"].as_str().unwrap().to_owned(),
    }
}

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn each_failure_has_its_own_code_a_signed_image_runs_by_digest_and_a_refused_one_creates_nothing() {
    let Some((reg, root)) = registry("signature verification") else { return };
    let fixture = berth_testkit::fixture_image();
    let data = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let b = berth_testkit::Berth::verifying(env!("CARGO_BIN_EXE_berth"), data.path());
    let pid = std::process::id();
    let ns = format!("sig{pid}");
    let (trusted, other) = (keygen(keys.path(), "trusted", "ecdsa"), keygen(keys.path(), "other", "ecdsa"));
    let (ed, rsa) = (keygen(keys.path(), "ed", "ed25519"), keygen(keys.path(), "rsa", "rsa"));
    let (rekor, forger) = (keygen(keys.path(), "rekor", "ecdsa"), keygen(keys.path(), "forger", "ecdsa"));
    let key = |k: &Path| k.join("key.pub").to_string_lossy().into_owned();
    let add = |args: &[&str]| ok(berth(&b, &[&["trust", "add"], args].concat()));
    add(&[&format!("{reg}/{ns}/*"), "--key", &key(&trusted)]);
    add(&[&format!("{reg}/{ns}/ed"), "--key", &key(&ed)]);
    add(&[&format!("{reg}/{ns}/rsa"), "--key", &key(&rsa)]);
    add(&[
        &format!("{reg}/{ns}/dedicated"),
        "--key",
        &key(&trusted),
        "--signatures-repo",
        &format!("{reg}/{ns}/signatures"),
    ]);
    add(&[&format!("{reg}/{ns}/bundled/*"), "--key", &key(&trusted), "--referrers"]);
    add(&[
        &format!("{reg}/{ns}/logged/*"),
        "--key",
        &key(&trusted),
        "--rekor-key",
        &key(&rekor),
        "--require-rekor",
    ]);
    let listed: Value = serde_json::from_slice(&ok(berth(&b, &["trust", "ls", "--json"])).stdout).unwrap();
    assert_eq!(listed["verify_signatures"], true, "on by default");
    assert!(
        listed["rules"].as_array().unwrap().iter().any(|r| r["pattern"] == "docker.io/mcp/*"),
        "Docker's rule ships"
    );
    assert!(!listed.to_string().contains("BEGIN PUBLIC KEY"), "keys are shown by fingerprint only");

    let image = |name: &str| format!("{reg}/{ns}/{name}:1");
    let repo = |name: &str| format!("{ns}/{name}");
    let mut cases: Vec<(String, &str)> = Vec::new();

    let digest = push(&fixture, &image("signed"));
    sign(&reg, &repo("signed"), &digest, &trusted, &[]);
    cases.push((image("signed"), "ok"));
    let d = push(&fixture, &image("ed"));
    sign(&reg, &repo("ed"), &d, &ed, &[]);
    cases.push((image("ed"), "ok"));
    let d = push(&fixture, &image("rsa"));
    sign(&reg, &repo("rsa"), &d, &rsa, &[]);
    cases.push((image("rsa"), "ok"));
    push(&fixture, &image("unsigned"));
    cases.push((image("unsigned"), "signature_missing"));
    let d = push(&fixture, &image("wrongkey"));
    sign(&reg, &repo("wrongkey"), &d, &other, &[]);
    cases.push((image("wrongkey"), "signature_wrong_key"));

    // The payload's bytes changed in the registry's storage after signing.
    let d = push(&fixture, &image("tampered"));
    let payload = sign(&reg, &repo("tampered"), &d, &trusted, &[]);
    let hex = payload.trim_start_matches("sha256:");
    let blob = root.join(format!("docker/registry/v2/blobs/sha256/{}/{hex}/data", &hex[..2]));
    let bytes = std::fs::read_to_string(&blob).unwrap();
    std::fs::write(&blob, bytes.replace("image signature", "image signaturf")).unwrap();
    cases.push((image("tampered"), "signature_tampered"));

    // The tag pushed again with another image, whose signature tag holds the first image's
    // (valid) signature: it signs another digest.
    let first = push(&fixture, &image("repushed"));
    sign(&reg, &repo("repushed"), &first, &trusted, &[]);
    let other_image = format!("berth-test/repushed:{pid}");
    let mut build = Command::new("docker");
    build
        .args(["build", "-q", "-t", &other_image, "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null());
    let mut child = build.spawn().unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("FROM {fixture}\nLABEL berth.test=repushed-{pid}\n").as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    let second = push(&other_image, &image("repushed"));
    assert_ne!(first, second);
    sign(&reg, &repo("repushed"), &second, &trusted, &["--payload-digest", &first]);
    cases.push((image("repushed"), "signature_digest_mismatch"));

    push(&fixture, &format!("{reg}/nosig{pid}/norule:1"));
    cases.push((format!("{reg}/nosig{pid}/norule:1"), "signature_no_rule"));

    // Signatures in a dedicated repository, as Docker keeps mcp/signatures.
    let d = push(&fixture, &image("dedicated"));
    sign(&reg, &repo("dedicated"), &d, &trusted, &["--sig-repo", &repo("signatures")]);
    cases.push((image("dedicated"), "ok"));
    // The same signature beside an image whose rule looks in its own repository is not found.
    let d = push(&fixture, &image("besides"));
    sign(&reg, &repo("besides"), &d, &trusted, &["--sig-repo", &repo("signatures")]);
    cases.push((image("besides"), "signature_missing"));

    let rekor_pem = rekor.join("key.pem").to_string_lossy().into_owned();
    let forger_pem = forger.join("key.pem").to_string_lossy().into_owned();
    let d = push(&fixture, &image("logged/ok"));
    sign(&reg, &repo("logged/ok"), &d, &trusted, &["--rekor-key", &rekor_pem]);
    cases.push((image("logged/ok"), "ok"));
    let d = push(&fixture, &image("logged/missing"));
    sign(&reg, &repo("logged/missing"), &d, &trusted, &[]);
    cases.push((image("logged/missing"), "signature_rekor_missing"));
    let d = push(&fixture, &image("logged/forged"));
    sign(&reg, &repo("logged/forged"), &d, &trusted, &["--rekor-key", &forger_pem]);
    cases.push((image("logged/forged"), "signature_rekor_invalid"));

    // Sigstore bundles attached as OCI referrers, as cosign 3 writes them (the registry has no
    // referrers API: they are found through the tag schema).
    let d = push(&fixture, &image("bundled/ok"));
    sign(&reg, &repo("bundled/ok"), &d, &trusted, &["--referrer"]);
    cases.push((image("bundled/ok"), "ok"));
    let d = push(&fixture, &image("bundled/other"));
    sign(&reg, &repo("bundled/other"), &d, &other, &["--referrer"]);
    cases.push((image("bundled/other"), "signature_wrong_key"));
    let d = push(&fixture, &image("bundled/elsewhere"));
    // Its statement names another image (the one pushed over `repushed`).
    sign(&reg, &repo("bundled/elsewhere"), &d, &trusted, &["--referrer", "--payload-digest", &second]);
    cases.push((image("bundled/elsewhere"), "signature_digest_mismatch"));
    push(&fixture, &image("bundled/none"));
    cases.push((image("bundled/none"), "signature_missing"));

    // A registry that is not there.
    let gone = berth_testkit::free_port();
    add(&[&format!("127.0.0.1:{gone}/{ns}/*"), "--key", &key(&trusted)]);
    cases.push((format!("127.0.0.1:{gone}/{ns}/away:1"), "registry_unreachable"));

    let mut table = Vec::new();
    for (image, want) in &cases {
        let got = verify(&b, image);
        println!("{image:<60} {got}");
        table.push((image.clone(), got.clone(), *want));
    }
    let wrong: Vec<_> = table.iter().filter(|(_, got, want)| got != want).collect();
    assert!(wrong.is_empty(), "image, got, want: {wrong:#?}");

    // Servers of these images: the signed one runs by its verified digest; the refused ones stop
    // before a container exists, with the same code from `server start` and from `mcp-add`.
    let mut entries = String::new();
    for name in ["signed", "wrongkey", "unsigned", "repushed"] {
        entries += &berth_testkit::catalog_entry(&format!("s{name}{pid}"), name, &image(name));
    }
    b.add_catalog(&entries);
    for name in ["signed", "wrongkey", "unsigned", "repushed"] {
        ok(berth(&b, &["server", "add", &format!("s{name}{pid}")]));
    }
    let signed = format!("ssigned{pid}");
    let mut running = berth_testkit::Process(
        b.command()
            .args(["server", "start", &signed])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    {
        use std::io::BufRead;
        let stdout = running.0.stdout.take().unwrap();
        let line = std::io::BufReader::new(stdout)
            .lines()
            .find(|l| l.as_ref().is_ok_and(|l| l.contains("is running")));
        assert!(line.is_some(), "the signed server did not start");
    }
    let ids =
        run(Command::new("docker").args(["ps", "-q", "--filter", &format!("label=berth.server={signed}")]));
    let inspect = run(Command::new("docker").args(["inspect", "--format", "{{.Config.Image}}", ids.trim()]));
    assert_eq!(
        inspect.trim(),
        format!("{reg}/{ns}/signed@{digest}"),
        "the verified digest runs, not the tag"
    );
    running.terminate(Duration::from_secs(30));

    for (name, code) in [
        ("wrongkey", "signature_wrong_key"),
        ("unsigned", "signature_missing"),
        ("repushed", "signature_digest_mismatch"),
    ] {
        let server = format!("s{name}{pid}");
        let out = berth(&b, &["server", "start", &server, "--call", "echo={\"text\":\"x\"}", "--json"]);
        assert!(!out.status.success());
        let said: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"));
        assert_eq!(said["code"], code, "{said}");
        assert!(said["message"].as_str().unwrap().contains("Nothing was pulled or started"), "{said}");
        assert_eq!(
            berth_testkit::containers(&format!("label=berth.server={server}")),
            0,
            "a container for {server}"
        );
    }
    let gateway = b.http_gateway(&[]);
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(gateway.url.as_str())
            .auth_header(gateway.token.clone()),
    );
    let client = rmcp::serve_client((), transport).await.expect("MCP over HTTP");
    let added = client
        .call_tool(
            CallToolRequestParams::new("mcp-add")
                .with_arguments(json!({"name": format!("swrongkey{pid}")}).as_object().unwrap().clone()),
        )
        .await
        .unwrap();
    let text = added.content[0].as_text().unwrap().text.clone();
    assert_eq!(added.is_error, Some(true));
    assert!(text.starts_with("signature_wrong_key: "), "{text}");
    assert_eq!(berth_testkit::containers(&format!("label=berth.server=swrongkey{pid}")), 0);
    let _ = client.cancel().await;
    drop(gateway);

    // Each verification left one summary event.
    let events: Value =
        serde_json::from_slice(&ok(berth(&b, &["events", "--limit", "500", "--json"])).stdout).unwrap();
    let summaries = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"].as_str().unwrap().starts_with("signature_"))
        .count();
    assert_eq!(summaries, cases.len() + 1 + 3 + 1, "one per verification");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_verification_with_secrets_configured_leaves_no_secret_in_any_log() {
    let Some((reg, _)) = registry("signature logs") else { return };
    let fixture = berth_testkit::fixture_image();
    let data = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let b = berth_testkit::Berth::verifying(env!("CARGO_BIN_EXE_berth"), data.path());
    let pid = std::process::id();
    let (trusted, other) = (keygen(keys.path(), "trusted", "ecdsa"), keygen(keys.path(), "other", "ecdsa"));
    ok(berth(
        &b,
        &["trust", "add", &format!("{reg}/log{pid}/*"), "--key", &trusted.join("key.pub").to_string_lossy()],
    ));
    let image = format!("{reg}/log{pid}/echo:1");
    let digest = push(&fixture, &image);
    sign(&reg, &format!("log{pid}/echo"), &digest, &other, &[]);
    let name = format!("logged{pid}");
    b.add_catalog(&format!(
        "  {name}:\n    title: Logged\n    image: {image}\n    disableNetwork: true\n    secrets: [{{name: {name}.token, env: FIXTURE_TOKEN}}]\n"
    ));
    let secret = format!("sekret-value-{pid}-do-not-log");
    let mut set = b
        .command()
        .args(["secret", "set", &format!("berth/server/{name}/{name}.token")])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        set.stdin.take().unwrap().write_all(format!("{secret}\n").as_bytes()).unwrap();
    }
    assert!(set.wait().unwrap().success());
    ok(berth(&b, &["server", "add", &name]));
    let out = b
        .command()
        .args(["server", "start", &name, "--call", "echo={\"text\":\"x\"}"])
        .env("RUST_LOG", "trace")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let printed = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(printed.contains("does not verify"), "{printed}");
    assert!(!printed.contains(&secret), "the secret was printed");
    let found = berth_testkit::files_containing(data.path(), &[&secret]);
    assert!(found.is_empty(), "the secret in the data folder: {found:?}");
    // The log file holds one summary line for the image, with its code, and no more about it:
    // not even the public keys of the rule (those are kept in the database, the trust policy).
    let logs = berth_api::paths::log_dir(data.path());
    let found = berth_testkit::files_containing(&logs, &["BEGIN PUBLIC KEY"]);
    assert!(found.is_empty(), "a key in the logs: {found:?}");
    let mut lines = Vec::new();
    for entry in std::fs::read_dir(&logs).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        lines.extend(text.lines().filter(|l| l.contains("image signature")).map(str::to_owned));
    }
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(lines[0].contains(&image) && lines[0].contains("signature_wrong_key"), "{}", lines[0]);
}
