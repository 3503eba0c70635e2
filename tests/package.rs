//! The installed package: the `.deb` that `make package` builds (`scripts/package.sh`) is
//! installed with `dpkg -i`; the installed `berth --version` and `berth doctor` run from PATH, the
//! desktop file registers `x-scheme-handler/berth`, and removing the package leaves neither
//! binary behind. The `.rpm` is built beside it.

use std::path::PathBuf;
use std::process::Command;

fn bundle_dir(kind: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/berth/target"));
    target.join("release/bundle").join(kind)
}

/// The newest file with `ext` in the bundler's `kind` folder.
fn newest(kind: &str, ext: &str) -> Option<PathBuf> {
    let mut found: Vec<_> = std::fs::read_dir(bundle_dir(kind))
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    found.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    found.pop()
}

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
fn the_deb_puts_berth_on_path_registers_berth_links_and_removes_cleanly() {
    let deb = newest("deb", "deb");
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0"));
    let why =
        format!("needs root and the .deb `make package` builds (looked in {})", bundle_dir("deb").display());
    if !berth_testkit::require("installed package", deb.is_some() && root, &why) {
        return;
    }
    let deb = deb.unwrap();
    let rpm = newest("rpm", "rpm").expect("the .rpm is built beside the .deb");
    assert!(
        std::fs::metadata(&rpm).unwrap().len() > 1_000_000,
        "{} is too small to hold Berth",
        rpm.display()
    );
    let (_, name) = run(Command::new("dpkg-deb").args(["-f"]).arg(&deb).arg("Package"));
    let name = name.trim().to_owned();
    println!("package {name} from {}", deb.display());

    let (ok, text) = run(Command::new("dpkg").arg("-i").arg(&deb));
    assert!(ok, "dpkg -i failed:\n{text}");
    let installed = std::panic::catch_unwind(|| {
        // Both binaries are on PATH, as installed.
        let (ok, version) = run(Command::new("/usr/bin/berth").arg("--version"));
        assert!(ok && version.trim() == format!("berth {}", env!("CARGO_PKG_VERSION")), "{version}");
        assert!(std::path::Path::new("/usr/bin/berth-desktop").exists());
        let (ok, which) = run(Command::new("sh").args(["-c", "command -v berth"]));
        assert!(ok && which.trim() == "/usr/bin/berth", "{which}");
        let data = tempfile::tempdir().unwrap();
        let (ok, doctor) =
            run(Command::new("/usr/bin/berth").arg("doctor").env("BERTH_DATA_DIR", data.path()));
        println!("{doctor}");
        assert!(ok, "the installed berth doctor failed:\n{doctor}");
        for check in ["docker", "keychain", "data_dir", "database"] {
            assert!(doctor.contains(&format!("[ok  ] {check}")), "{check} in:\n{doctor}");
        }
        // The desktop file opens berth:// links with the app.
        let (_, files) = run(Command::new("dpkg").args(["-L", &name]));
        let desktop =
            files.lines().find(|l| l.starts_with("/usr/share/applications/") && l.ends_with(".desktop"));
        let desktop = desktop.unwrap_or_else(|| panic!("no desktop file in:\n{files}"));
        let entry = std::fs::read_to_string(desktop).unwrap();
        println!("{desktop}:\n{entry}");
        let mime = entry.lines().find(|l| l.starts_with("MimeType=")).unwrap_or_default();
        assert!(mime.split(['=', ';']).any(|m| m == "x-scheme-handler/berth"), "{entry}");
        // The link itself must reach the app: `%u` hands it over.
        assert!(entry.lines().any(|l| l == "Exec=berth-desktop %u"), "{entry}");
        // A user who never opened Berth gets it as the handler: the system's MIME cache names it.
        let home = tempfile::tempdir().unwrap();
        let (_, handler) = run(Command::new("xdg-mime")
            .args(["query", "default", "x-scheme-handler/berth"])
            .env("HOME", home.path())
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_DATA_HOME")
            .env("XDG_DATA_DIRS", "/usr/share"));
        let file = desktop.rsplit('/').next().unwrap();
        assert_eq!(handler.trim(), file, "the handler of berth:// links");
        let (ok, valid) = run(Command::new("desktop-file-validate").arg(desktop));
        assert!(ok, "{valid}");
    });
    let (ok, text) = run(Command::new("dpkg").args(["-r", &name]));
    assert!(ok, "dpkg -r failed:\n{text}");
    assert!(!std::path::Path::new("/usr/bin/berth").exists(), "berth outlived its package");
    assert!(!std::path::Path::new("/usr/bin/berth-desktop").exists(), "berth-desktop outlived its package");
    if let Err(e) = installed {
        std::panic::resume_unwind(e);
    }
}
