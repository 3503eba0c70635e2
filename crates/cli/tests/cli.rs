//! The `berth` binary against the real services: Docker engine, Secret Service, SQLite.
//! Without them a test prints `skipped: <why>`; `BERTH_REQUIRE_SERVICES=1` turns that into a failure.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn berth(data: &Path, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_berth"));
    cmd.args(args).env("BERTH_DATA_DIR", data).envs(env.iter().copied());
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("berth runs");
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Held by the tests whose `berth` commands connect to Docker: each connection removes the
/// containers of dead owners, so one test's orphan must not be reaped by another's command.
static DOCKER: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn docker_lock() -> std::sync::MutexGuard<'static, ()> {
    DOCKER.lock().unwrap_or_else(|e| e.into_inner())
}

fn services_or_skip(test: &str) -> bool {
    let docker = Command::new("docker").arg("info").output().is_ok_and(|o| o.status.success());
    let dbus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    if docker && dbus {
        return true;
    }
    let why = format!(
        "{test}: needs a running Docker engine ({docker}) and a D-Bus session with a Secret Service ({dbus})"
    );
    if std::env::var_os("BERTH_REQUIRE_SERVICES").is_some() {
        panic!("required service missing: {why}");
    }
    eprintln!("skipped: {why}");
    false
}

#[test]
fn version_matches_the_workspace() {
    let data = tempfile::tempdir().unwrap();
    let out = berth(data.path(), &["--version"], None, &[]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), format!("berth {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn doctor_reports_every_check_ok_against_the_real_services() {
    if !services_or_skip("doctor ok") {
        return;
    }
    let _docker = docker_lock();
    let data = tempfile::tempdir().unwrap();
    let out = berth(data.path(), &["doctor", "--json"], None, &[]);
    let report = json(&out);
    assert!(out.status.success(), "{report:#}");
    assert_eq!(report["ok"], true);
    let ids: Vec<_> =
        report["checks"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["docker", "keychain", "data_dir", "database"]);
    assert!(report["checks"][0]["summary"].as_str().unwrap().contains("API 1."), "{report:#}");
    assert!(
        report["checks"][3]["summary"].as_str().unwrap().contains("(current), integrity ok"),
        "{report:#}"
    );
}

#[test]
fn doctor_says_how_to_fix_a_docker_engine_that_is_down() {
    if !services_or_skip("doctor docker down") {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let gone = data.path().join("no-docker.sock");
    let host = format!("unix://{}", gone.display());
    let out = berth(data.path(), &["doctor", "--json"], None, &[("DOCKER_HOST", &host)]);
    assert!(!out.status.success(), "a failed check makes doctor exit non-zero");
    let report = json(&out);
    assert_eq!(report["ok"], false);
    let docker = &report["checks"][0];
    assert_eq!(docker["status"], "fail");
    assert!(docker["fix"].as_str().unwrap().contains("Start Docker"), "{docker:#}");
    // The rest of Berth keeps working without Docker.
    assert_eq!(report["checks"][1]["status"], "ok");
    assert_eq!(report["checks"][3]["status"], "ok");

    let text = berth(data.path(), &["doctor"], None, &[("DOCKER_HOST", &host)]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("[FAIL] docker") && text.contains("fix: "), "{text}");
}

#[test]
fn doctor_says_how_to_fix_a_missing_keychain() {
    let data = tempfile::tempdir().unwrap();
    let out = berth(
        data.path(),
        &["doctor", "--json"],
        None,
        &[("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")],
    );
    let report = json(&out);
    assert!(!out.status.success());
    let keychain = &report["checks"][1];
    assert_eq!(keychain["status"], "fail", "{report:#}");
    assert!(keychain["fix"].as_str().unwrap().contains("Secret Service"), "{keychain:#}");
}

#[test]
fn secrets_round_trip_through_the_cli_and_never_print_their_value() {
    if !services_or_skip("cli secrets") {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let key = format!("berth/test/cli-{}/TOKEN", std::process::id());
    let value = format!("cli-secret-{}", std::process::id());

    let set = berth(data.path(), &["secret", "set", &key, "--json"], Some(&format!("{value}\n")), &[]);
    assert!(set.status.success(), "{}", String::from_utf8_lossy(&set.stderr));
    assert_eq!(json(&set)["key"], key.as_str());

    let ls = berth(data.path(), &["secret", "ls", "--json"], None, &[]);
    let list = json(&ls);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["key"], key.as_str());
    for out in [&set, &ls] {
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(!all.contains(&value), "value printed: {all}");
    }
    // Nor does it reach the log files.
    for entry in std::fs::read_dir(data.path().join("logs")).unwrap() {
        let log = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(!log.contains(&value), "value logged: {log}");
    }

    let rm = berth(data.path(), &["secret", "rm", &key, "--json"], None, &[]);
    assert_eq!(json(&rm)["deleted"], true);
    let ls = berth(data.path(), &["secret", "ls", "--json"], None, &[]);
    assert_eq!(json(&ls), serde_json::json!([]));
}

#[test]
fn bad_input_gets_the_error_shape_and_a_non_zero_exit() {
    let data = tempfile::tempdir().unwrap();
    let out = berth(data.path(), &["secret", "set", "not a key", "--json"], Some("x1234\n"), &[]);
    assert!(!out.status.success());
    let err = json(&out);
    assert_eq!(err["code"], "validation");
    assert!(err["message"].as_str().unwrap().contains("not a valid secret name"));
    assert_eq!(err["retryable"], false);
}

#[test]
fn the_language_setting_is_shared_through_the_database() {
    let data = tempfile::tempdir().unwrap();
    let out =
        berth(data.path(), &["settings", "set-locale", "ja", "--json"], None, &[("LANG", "en_US.UTF-8")]);
    assert!(out.status.success());
    let got = json(&berth(data.path(), &["settings", "get", "--json"], None, &[("LANG", "en_US.UTF-8")]));
    assert_eq!(got["locale"], "ja");
    assert_eq!(got["effective_locale"], "ja");
    let sys = json(&berth(
        data.path(),
        &["settings", "set-locale", "system", "--json"],
        None,
        &[("LANG", "ja_JP.UTF-8")],
    ));
    assert_eq!(sys["effective_locale"], "ja");
    assert_eq!(sys["system_locale"], "ja_JP.UTF-8");
}

#[test]
fn without_a_keychain_a_secret_is_refused_with_the_fix_and_nothing_is_recorded() {
    let data = tempfile::tempdir().unwrap();
    let no_bus = [("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")];
    let out =
        berth(data.path(), &["secret", "set", "berth/test/x/TOKEN", "--json"], Some("value-1234\n"), &no_bus);
    assert!(!out.status.success());
    let err = json(&out);
    assert_eq!(err["code"], "keychain_unavailable", "{err:#}");
    assert_eq!(err["retryable"], true);
    assert!(err["message"].as_str().unwrap().contains("gnome-keyring-daemon"), "{err:#}");
    let ls = berth(data.path(), &["secret", "ls", "--json"], None, &no_bus);
    assert_eq!(json(&ls), serde_json::json!([]));
    // No file in the data folder holds the value: there is no plaintext fallback.
    for entry in walk(data.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(!bytes.windows(10).any(|w| w == b"value-1234"), "{} holds the value", entry.display());
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

#[test]
fn catalog_search_show_and_sources_from_the_cli() {
    let data = tempfile::tempdir().unwrap();
    let out = berth(data.path(), &["catalog", "search", "github", "issues", "--json"], None, &[]);
    assert!(out.status.success());
    let hits = json(&out);
    assert_eq!(hits[0]["name"], "github-official");
    assert_eq!(hits[0]["secrets"][0]["env"], "GITHUB_PERSONAL_ACCESS_TOKEN");
    assert_eq!(hits[0]["secrets"][0]["set"], false);

    let remote =
        json(&berth(data.path(), &["catalog", "search", "notion", "--kind", "remote", "--json"], None, &[]));
    assert!(remote.as_array().unwrap().iter().all(|h| h["kind"] == "remote"));

    let show = json(&berth(data.path(), &["catalog", "show", "time", "--json"], None, &[]));
    assert_eq!(show["item"]["launch"]["image"], "mcp/time");
    let missing = berth(data.path(), &["catalog", "show", "nope-nope", "--json"], None, &[]);
    assert!(!missing.status.success());
    assert_eq!(json(&missing)["code"], "not_found");

    // A local file source: added, listed, searched, refreshed, removed.
    let file = data.path().join("team.yaml");
    std::fs::write(&file, "registry:\n  team-notes:\n    title: Team Notes\n    description: Shared notes of the team.\n    image: example/notes:1\n  no-image:\n    title: Broken\n").unwrap();
    let add = berth(
        data.path(),
        &["catalog", "source", "add", file.to_str().unwrap(), "--name", "team", "--json"],
        None,
        &[],
    );
    assert!(add.status.success(), "{}", String::from_utf8_lossy(&add.stdout));
    let added = json(&add);
    assert_eq!((added["item_count"].as_i64(), added["rejected_count"].as_i64()), (Some(1), Some(1)));
    let ls = json(&berth(data.path(), &["catalog", "source", "ls", "--json"], None, &[]));
    assert_eq!(ls["sources"][1]["id"], "team");
    assert_eq!(ls["rejected"][0]["entry"], "team: no-image");
    let hits = json(&berth(data.path(), &["catalog", "search", "team", "notes", "--json"], None, &[]));
    assert_eq!(hits[0]["name"], "team-notes");

    // The file turns bad: refresh fails (non-zero), the last good copy stays.
    std::fs::write(&file, "registry: [broken").unwrap();
    let refresh = berth(data.path(), &["catalog", "source", "refresh", "--json"], None, &[]);
    assert!(!refresh.status.success());
    assert_eq!(json(&refresh)[0]["status"], "failed");
    let hits = json(&berth(data.path(), &["catalog", "search", "team", "notes", "--json"], None, &[]));
    assert_eq!(hits[0]["name"], "team-notes");

    let rm = berth(data.path(), &["catalog", "source", "rm", "team", "--json"], None, &[]);
    assert!(rm.status.success());
    let bad =
        berth(data.path(), &["catalog", "source", "add", "http://example.com/c.yaml", "--json"], None, &[]);
    assert!(!bad.status.success());
    assert_eq!(json(&bad)["code"], "url_not_allowed");
}

/// `berth server start NAME` in the foreground, returned once it says the server runs, with its
/// output still open.
fn start_in_foreground(data: &Path, name: &str) -> (std::process::Child, impl std::io::BufRead) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(["server", "start", name])
        .env("BERTH_DATA_DIR", data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut reader, &mut line).unwrap();
    assert!(line.contains("is running"), "{line}");
    (child, reader)
}

fn containers_of(server: &str) -> usize {
    berth_testkit::containers(&format!("label=berth.server={server}"))
}

#[test]
fn server_lifecycle_and_a_container_ending_with_its_owner_from_the_cli() {
    if !services_or_skip("cli servers") {
        return;
    }
    let _docker = docker_lock();
    let image = berth_testkit::fixture_image();
    let data = tempfile::tempdir().unwrap();
    // Verification off: the fixture image is built here and signed by nobody.
    berth_testkit::Berth::new(env!("CARGO_BIN_EXE_berth"), data.path());
    let name = format!("cliecho{}", std::process::id());
    let catalog = data.path().join("fixtures.yaml");
    std::fs::write(
        &catalog,
        format!("registry:\n  {name}:\n    title: Echo\n    image: {image}\n    disableNetwork: true\n    secrets: [{{name: {name}.token, env: FIXTURE_TOKEN}}]\n"),
    )
    .unwrap();
    let ok = |out: Output| {
        assert!(
            out.status.success(),
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };
    ok(berth(data.path(), &["catalog", "source", "add", catalog.to_str().unwrap()], None, &[]));

    // Missing secret: the reply names the command that fixes it.
    let refused = berth(data.path(), &["server", "add", &name, "--json"], None, &[]);
    assert!(!refused.status.success());
    assert!(
        json(&refused)["message"]
            .as_str()
            .unwrap()
            .contains(&format!("berth secret set berth/server/{name}/{name}.token"))
    );
    let key = format!("berth/server/{name}/{name}.token");
    ok(berth(data.path(), &["secret", "set", &key], Some("tok-cli-12345\n"), &[]));
    // Limits out of range are refused before anything is stored.
    for (flag, value, says) in [("--cpus", "0", "CPUs"), ("--memory-mb", "16", "Memory")] {
        let refused = berth(data.path(), &["server", "add", &name, flag, value, "--json"], None, &[]);
        assert!(!refused.status.success());
        let err = json(&refused);
        assert_eq!(err["code"], "validation");
        assert!(err["message"].as_str().unwrap().contains(says), "{err}");
    }
    assert_eq!(json(&ok(berth(data.path(), &["server", "ls", "--json"], None, &[]))), serde_json::json!([]));
    ok(berth(data.path(), &["server", "add", &name, "--cpus", "0.5", "--memory-mb", "256"], None, &[]));

    // Start, call one tool, stop: nothing left.
    let out = ok(berth(
        data.path(),
        &["server", "start", &name, "--call", "env_present={\"name\":\"FIXTURE_TOKEN\"}"],
        None,
        &[],
    ));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "set (13 chars)");
    assert_eq!(containers_of(&name), 0);

    // A foreground start runs with the limits given at install...
    let (mut child, _output) = start_in_foreground(data.path(), &name);
    assert_eq!(containers_of(&name), 1);
    let ids = Command::new("docker")
        .args(["ps", "-q", "--filter", &format!("label=berth.server={name}")])
        .output()
        .unwrap();
    let id = String::from_utf8_lossy(&ids.stdout).trim().to_owned();
    let limits = Command::new("docker")
        .args(["inspect", "--format", "{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}}", &id])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&limits.stdout).trim(), format!("500000000 {}", 256 * 1024 * 1024));
    // ...and, killed with SIGKILL, its container ends with it, with no Berth process to clean up.
    child.kill().unwrap();
    child.wait().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while containers_of(&name) > 0 {
        assert!(std::time::Instant::now() < deadline, "the killed owner's container outlived it by 10 s");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let ls = json(&ok(berth(data.path(), &["server", "ls", "--json"], None, &[])));
    assert_eq!(ls[0]["status"], "stopped", "a dead owner's server is not shown as running: {ls:#}");

    // The next start works as the first did.
    let out =
        ok(berth(data.path(), &["server", "start", &name, "--call", "echo={\"text\":\"again\"}"], None, &[]));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "again");
    assert_eq!(containers_of(&name), 0);

    // SIGTERM ends a foreground start cleanly: exit 0, its container already gone.
    let (mut child, _output) = start_in_foreground(data.path(), &name);
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    let status = child.wait().unwrap();
    assert!(status.success(), "SIGTERM ended the start with {status}");
    assert_eq!(containers_of(&name), 0, "the container outlived a SIGTERMed start");

    // A secret of many lines (a PEM key) is stored whole, not cut at its first line.
    let pem = "-----BEGIN PRIVATE KEY-----\nMIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6AgEAAkEA\n-----END PRIVATE KEY-----";
    ok(berth(data.path(), &["secret", "set", &key], Some(&format!("{pem}\n")), &[]));
    let out = ok(berth(
        data.path(),
        &["server", "start", &name, "--call", "env_present={\"name\":\"FIXTURE_TOKEN\"}"],
        None,
        &[],
    ));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("set ({} chars)", pem.len()));

    // Docker down: a clear error; the rest of Berth keeps working.
    let gone = format!("unix://{}", data.path().join("no.sock").display());
    let down = berth(data.path(), &["server", "start", &name, "--json"], None, &[("DOCKER_HOST", &gone)]);
    assert!(!down.status.success());
    let err = json(&down);
    assert_eq!(err["code"], "docker_unavailable");
    assert!(err["message"].as_str().unwrap().contains("Start Docker"));
    ok(berth(data.path(), &["catalog", "search", "echo"], None, &[("DOCKER_HOST", &gone)]));

    // Removing the server removes the secret kept for it, from the keychain too.
    ok(berth(data.path(), &["server", "rm", &name], None, &[]));
    let secrets = json(&ok(berth(data.path(), &["secret", "ls", "--json"], None, &[])));
    assert!(!secrets.to_string().contains(&key), "{secrets}");
    assert!(!berth_testkit::in_keychain(key.trim_start_matches("berth/")), "{key} is left in the keychain");
    let ls = json(&ok(berth(data.path(), &["server", "ls", "--json"], None, &[])));
    assert_eq!(ls, serde_json::json!([]));
}

#[test]
fn a_folder_of_server_files_is_a_catalog_source() {
    let shared = std::env::var_os("BERTH_SHARED_DATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| berth_testkit::workspace_root().join("../shared/data"));
    let folder = shared.join("docker-mcp-registry/servers");
    let why = format!("the shared catalogs are not at {}", folder.display());
    if !berth_testkit::require("folder source", folder.is_dir(), &why) {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let add =
        berth(data.path(), &["catalog", "source", "add", folder.to_str().unwrap(), "--json"], None, &[]);
    assert!(add.status.success(), "{}", String::from_utf8_lossy(&add.stdout));
    let added = json(&add);
    assert_eq!(added["kind"], "folder");
    assert_eq!((added["item_count"].as_i64(), added["rejected_count"].as_i64()), (Some(325), Some(3)));

    // Each skipped entry is named, with its reason.
    let ls = json(&berth(data.path(), &["catalog", "source", "ls", "--json"], None, &[]));
    let id = added["id"].as_str().unwrap();
    let skipped: Vec<(String, String)> = ls["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| {
            let entry = r["entry"].as_str()?.strip_prefix(&format!("{id}: "))?;
            Some((entry.to_owned(), r["reason"].as_str()?.to_owned()))
        })
        .collect();
    let names: Vec<&str> = skipped.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(names, ["curl", "docker", "ffmpeg"], "{skipped:?}");
    assert!(skipped.iter().all(|(_, reason)| reason.contains("poci")), "{skipped:?}");

    // Its servers are in the catalog, tool lists from their tools.json included.
    let show = json(&berth(data.path(), &["catalog", "show", "uberall", "--json"], None, &[]));
    assert_eq!(show["item"]["name"], "uberall");
    // A refresh reads the folder again; unchanged, it is "not modified" and the copy stays.
    let refresh = json(&berth(data.path(), &["catalog", "source", "refresh", id, "--json"], None, &[]));
    assert_eq!(refresh[0]["status"], "not_modified", "{refresh}");
    let ls = json(&berth(data.path(), &["catalog", "source", "ls", "--json"], None, &[]));
    let source = ls["sources"].as_array().unwrap().iter().find(|s| s["id"] == id).unwrap();
    assert_eq!(source["item_count"], 325, "{source}");
    // A folder without catalog files is refused, and not kept.
    let empty = data.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let refused =
        berth(data.path(), &["catalog", "source", "add", empty.to_str().unwrap(), "--json"], None, &[]);
    assert!(!refused.status.success());
    assert!(json(&refused)["message"].as_str().unwrap().contains("no server.yaml"));
}

#[test]
fn doctor_removes_the_containers_of_dead_owners_and_names_them() {
    if !services_or_skip("doctor reaps") {
        return;
    }
    let _docker = docker_lock();
    let image = berth_testkit::fixture_image();
    // An owner that cannot be alive: this host and boot, and a PID with another start time.
    let read = |p: &str| std::fs::read_to_string(p).unwrap().trim().to_owned();
    let owner = format!(
        "{}:{}:4194303:1",
        read("/proc/sys/kernel/hostname"),
        read("/proc/sys/kernel/random/boot_id").replace(':', "-")
    );
    let server = format!("deadowner{}", std::process::id());
    let name = format!("berth-{server}-left");
    let created = Command::new("docker")
        .args(["create", "--name", &name, "--label", "berth.managed=true"])
        .args(["--label", &format!("berth.server={server}"), "--label", &format!("berth.owner={owner}")])
        .arg(&image)
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    assert_eq!(containers_of(&server), 1);

    let data = tempfile::tempdir().unwrap();
    let report = json(&berth(data.path(), &["doctor", "--json"], None, &[]));
    let docker = &report["checks"][0];
    assert_eq!(docker["status"], "ok", "{docker:#}");
    let summary = docker["summary"].as_str().unwrap();
    assert!(summary.contains("removed") && summary.contains(&name), "{summary}");
    assert_eq!(containers_of(&server), 0);
}

#[test]
fn untrusted_catalog_text_is_shown_not_obeyed_and_a_closed_pipe_is_no_crash() {
    let data = tempfile::tempdir().unwrap();
    // Titles and descriptions carrying terminal escapes (set the window title, clear the screen)
    // and a right-to-left override, and enough entries that the output outgrows a pipe.
    let mut catalog = String::from("registry:\n");
    catalog.push_str(
        "  escapes:\n    title: \"Nice \\e]0;pwned\\a title\"\n    description: \"Clears \\e[2J the screen \\u202e gnp.exe\"\n    image: example/escapes:1\n",
    );
    for i in 0..3000 {
        catalog.push_str(&format!(
            "  filler-{i}:\n    title: Filler {i}\n    description: {}\n    image: example/filler:1\n",
            "words ".repeat(20)
        ));
    }
    let file = data.path().join("hostile.yaml");
    std::fs::write(&file, catalog).unwrap();
    let add = berth(data.path(), &["catalog", "source", "add", file.to_str().unwrap()], None, &[]);
    assert!(add.status.success(), "{}", String::from_utf8_lossy(&add.stderr));

    let shown = berth(data.path(), &["catalog", "show", "escapes"], None, &[]);
    assert!(shown.status.success());
    let text = String::from_utf8(shown.stdout).unwrap();
    assert!(!text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\u{202e}'), "{text:?}");
    assert!(text.contains("<U+001B>]0;pwned<U+0007>") && text.contains("<U+202E>"), "{text}");

    // A reader that stops after a few bytes: the command ends quietly, not with a panic.
    let mut child = Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(["catalog", "search", "--limit", "5000"])
        .env("BERTH_DATA_DIR", data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(101), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_catalog_source_add_killed_midway_leaves_no_phantom() {
    use std::io::{Read, Write};
    let data = tempfile::tempdir().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}/team.yaml", listener.local_addr().unwrap().port());
    // Ten adds, each killed (SIGKILL) while it waits for the catalog to arrive.
    for _ in 0..10 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_berth"))
            .args(["catalog", "source", "add", &url, "--name", "team"])
            .env("BERTH_DATA_DIR", data.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let (held, _) = listener.accept().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
        drop(held);
    }
    let ls = json(&berth(data.path(), &["catalog", "source", "ls", "--json"], None, &[]));
    assert_eq!(ls["sources"].as_array().unwrap().len(), 1, "only the built-in catalog: {ls}");

    // The next add, answered this time, works under the same name and location.
    let server = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut request = [0u8; 4096];
        let _ = conn.read(&mut request).unwrap();
        let body = "registry:\n  team-notes:\n    title: Team Notes\n    image: example/notes:1\n";
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
        conn.write_all(head.as_bytes()).unwrap();
        conn.write_all(body.as_bytes()).unwrap();
    });
    let add = berth(data.path(), &["catalog", "source", "add", &url, "--name", "team", "--json"], None, &[]);
    assert!(add.status.success(), "{}", String::from_utf8_lossy(&add.stdout));
    assert_eq!(json(&add)["item_count"], 1);
    server.join().unwrap();
}

/// The keychain is opened when a secret is needed, not whenever Berth opens: a command that needs
/// none never connects to the session bus the Secret Service is reached through.
#[test]
fn a_command_that_needs_no_secret_never_connects_to_the_keychain() {
    let data = tempfile::tempdir().unwrap();
    let bus_dir = tempfile::tempdir().unwrap();
    let socket = bus_dir.path().join("bus");
    let bus = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    bus.set_nonblocking(true).unwrap();
    let address = format!("unix:path={}", socket.display());
    let env = [("DBUS_SESSION_BUS_ADDRESS", address.as_str())];

    let out = berth(data.path(), &["catalog", "search", "github", "--json"], None, &env);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let connected = bus.accept().map(|_| true).unwrap_or_else(|e| {
        assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock, "{e}");
        false
    });
    assert!(!connected, "a catalog search connected to the session bus");

    // A secret does need it: the same bus is where the keychain is looked for. The connection is
    // dropped at once, so the keychain is unavailable and says so.
    let watcher = std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::time::Instant::now() < deadline {
            if bus.accept().is_ok() {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        false
    });
    let out =
        berth(data.path(), &["secret", "set", "berth/test/x/TOKEN", "--json"], Some("value-1234\n"), &env);
    assert!(watcher.join().unwrap(), "storing a secret did not look for the keychain");
    assert_eq!(json(&out)["code"], "keychain_unavailable");
}
