//! Docker's MCP Toolkit as the engine. The `docker mcp` plugin cannot be installed on the test
//! machines, so this runs a stand-in plugin (`tests/fixtures/docker-mcp-standin.sh`, installed
//! under a `DOCKER_CONFIG` of the test's own) that records the arguments the docker CLI hands it
//! and runs the fixture MCP server as the toolkit would. Picking the toolkit needs the plugin;
//! while verification is on Berth always passes `--verify-signatures` (and leaves the check to
//! the toolkit); a refusal by the toolkit comes back in Berth's error shape with its reason, and
//! nothing is left running.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

fn ok(out: Output) -> Output {
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{said}");
    out
}

/// `berth ARGS --json` with the stand-in plugin's environment.
fn berth(b: &berth_testkit::Berth, config: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = b.command();
    cmd.env("DOCKER_CONFIG", config).args(args).arg("--json");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn the_toolkit_runs_servers_with_verify_signatures_and_its_refusals_come_back_as_errors() {
    if !berth_testkit::require("MCP Toolkit engine", berth_testkit::docker_available(), "needs Docker") {
        return;
    }
    // The toolkit's containers carry no Berth labels: a tag of its own finds them.
    let image = format!("berth-test/toolkit:{}", std::process::id());
    let tagged =
        std::process::Command::new("docker").args(["tag", &berth_testkit::fixture_image(), &image]).status();
    assert!(tagged.unwrap().success());
    let data = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let log = config.path().join("standin.log");
    let b = berth_testkit::Berth::verifying(env!("CARGO_BIN_EXE_berth"), data.path());
    let name = format!("toolkit{}", std::process::id());
    b.add_catalog(&berth_testkit::catalog_entry(&name, "Toolkit", &image));
    ok(b.command().args(["server", "add", &name]).output().unwrap());
    let env = [("BERTH_STANDIN_LOG", log.to_str().unwrap()), ("BERTH_STANDIN_IMAGE", image.as_str())];

    // Without the plugin the toolkit cannot be picked, and says what to do.
    let refused = berth(&b, config.path(), &env, &["settings", "set", "engine", "docker-mcp"]);
    assert!(!refused.status.success());
    let said: Value = serde_json::from_slice(&refused.stdout).unwrap();
    assert_eq!(said["code"], "unsupported", "{said}");
    assert!(said["message"].as_str().unwrap().contains("docker mcp"), "{said}");

    let plugins = config.path().join("cli-plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    let plugin = plugins.join("docker-mcp");
    std::fs::copy(berth_testkit::workspace_root().join("tests/fixtures/docker-mcp-standin.sh"), &plugin)
        .unwrap();
    std::fs::set_permissions(&plugin, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    ok(berth(&b, config.path(), &env, &["settings", "set", "engine", "docker-mcp"]));

    // Verification on: the toolkit is asked to verify, and the server answers through it.
    let call = ["server", "start", &name, "--call", "echo={\"text\":\"via the toolkit\"}"];
    let out = ok(berth(&b, config.path(), &env, &call));
    assert!(String::from_utf8_lossy(&out.stdout).contains("via the toolkit"));
    gone(&image);
    let runs = std::fs::read_to_string(&log).unwrap();
    let run = runs.lines().find(|l| l.starts_with("gateway run")).expect("the toolkit ran the server");
    assert_eq!(run, format!("gateway run --transport stdio --servers {name} --verify-signatures"));

    // Off (with --yes): the flag is not passed.
    ok(berth(&b, config.path(), &env, &["settings", "set", "verify-signatures", "off", "--yes"]));
    std::fs::remove_file(&log).unwrap();
    ok(berth(&b, config.path(), &env, &call));
    gone(&image);
    let runs = std::fs::read_to_string(&log).unwrap();
    assert!(runs.lines().any(|l| l == format!("gateway run --transport stdio --servers {name}")), "{runs}");
    ok(berth(&b, config.path(), &env, &["settings", "set", "verify-signatures", "on"]));

    // The toolkit refuses the image: Berth's error shape, its reason, nothing left running.
    let reason = "verifying signatures: no valid signature found for the image";
    let env_refusing = [env[0], env[1], ("BERTH_STANDIN_REFUSE", reason)];
    let out = berth(&b, config.path(), &env_refusing, &call);
    assert!(!out.status.success());
    let said: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"));
    assert_eq!(said["code"], "signature_wrong_key", "{said}");
    let message = said["message"].as_str().unwrap();
    assert!(message.contains("MCP Toolkit") && message.contains("no valid signature"), "{message}");
    gone(&image);
    let _ = std::process::Command::new("docker").args(["rmi", &image]).output();
}

/// Waits until no container of `image` is left: the toolkit ended with the server.
fn gone(image: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while berth_testkit::containers(&format!("ancestor={image}")) > 0 {
        assert!(std::time::Instant::now() < deadline, "a container of {image} outlived its server");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}
