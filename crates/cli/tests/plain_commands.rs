//! Commands a new user types first answer plainly: bare `berth settings` shows the settings, and
//! `berth calls` and `berth events` say when there is nothing yet; Japanese chosen in the
//! settings is the language of the CLI's messages, errors and results alike.

use std::process::Output;

fn run(berth: &berth_testkit::Berth, args: &[&str]) -> Output {
    berth.command().args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn first_commands_answer_plainly_and_in_the_chosen_language() {
    let data = tempfile::tempdir().unwrap();
    let berth = berth_testkit::Berth::new(env!("CARGO_BIN_EXE_berth"), data.path());
    let settings = run(&berth, &["settings"]);
    assert!(settings.status.success(), "{}", text(&settings));
    assert!(text(&settings).to_lowercase().contains("locale"), "{}", text(&settings));
    let calls = run(&berth, &["calls"]);
    assert!(calls.status.success() && text(&calls).contains("No tool calls yet"), "{}", text(&calls));
    let events = run(&berth, &["events"]);
    assert!(
        events.status.success() && text(&events).contains("Nothing has happened yet"),
        "{}",
        text(&events)
    );

    // An error, in English and then in Japanese once Japanese is chosen.
    let english = run(&berth, &["server", "show", "nothing-here"]);
    assert!(!english.status.success());
    assert!(text(&english).contains("No server named nothing-here is installed"), "{}", text(&english));
    assert!(run(&berth, &["settings", "set-locale", "ja"]).status.success());
    let japanese = run(&berth, &["server", "show", "nothing-here"]);
    assert!(
        text(&japanese).contains("nothing-here という名前のサーバーはインストールされていません"),
        "{}",
        text(&japanese)
    );
    // What a command did, too.
    let file = data.path().join("team.yaml");
    std::fs::write(&file, "registry:\n  team-tool:\n    image: example/team:1\n").unwrap();
    let added = run(&berth, &["catalog", "source", "add", file.to_str().unwrap(), "--name", "team"]);
    assert!(text(&added).contains("team を追加しました (サーバー 1 件"), "{}", text(&added));
    // Listings and the CLI's own refusals.
    let servers = run(&berth, &["server", "ls"]);
    assert!(text(&servers).contains("インストール済みのサーバーはありません"), "{}", text(&servers));
    let bad = run(&berth, &["server", "add", "team-tool", "--config", "{not json"]);
    assert!(!bad.status.success() && text(&bad).contains("正しい JSON ではありません"), "{}", text(&bad));
    let overview = run(&berth, &["catalog", "source", "ls"]);
    assert!(text(&overview).contains("統合カタログのサーバー"), "{}", text(&overview));
}
