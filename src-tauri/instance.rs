//! One Berth per user: a launch while the previous instance is still quitting starts again once
//! that instance is gone, instead of failing.
//!
//! A second launch hands its arguments (a `berth://` link, say) to the running instance and
//! exits. An instance that is quitting (stopping its servers) still holds the single-instance
//! name but no longer answers, so the hand-over fails. The user asked for a window: this launch
//! waits a moment and runs itself again, and then either hands over to a live instance or
//! becomes the one.

use std::time::Duration;

/// How many times a launch starts again before it gives up, and the wait between two: together
/// longer than an instance takes to stop its servers and quit.
const TRIES: u32 = 60;
const WAIT: Duration = Duration::from_millis(500);

/// Counts the starts of one launch across its re-runs.
const TRIES_VAR: &str = "BERTH_START_TRIES";

/// The plugin whose start-up fails when the running instance does not take the hand-over.
pub const PLUGIN: &str = "single-instance";

/// Runs this launch again, with the same arguments, once the running instance had time to quit.
/// Gives up (exit code 1, with a line that says what to do) after [`TRIES`].
pub fn start_again(reason: &str) -> ! {
    let tries = std::env::var(TRIES_VAR).ok().and_then(|v| v.parse::<u32>().ok()).unwrap_or(0);
    if tries >= TRIES {
        give_up(reason);
    }
    if tries == 0 {
        tracing::info!(reason, "the running Berth is quitting; starting again once it is gone");
    }
    std::thread::sleep(WAIT);
    let exe = std::env::current_exe().ok().filter(|p| p.exists());
    let exe = exe.or_else(|| std::env::args_os().next().map(Into::into)).unwrap_or_default();
    let mut again = std::process::Command::new(exe);
    again.args(std::env::args_os().skip(1)).env(TRIES_VAR, (tries + 1).to_string());
    run_instead(again)
}

/// Says, in the system's language, that another Berth holds on and what to do; exit code 1.
fn give_up(reason: &str) -> ! {
    let locale = berth_api::locale_from_system(sys_locale::get_locale().as_deref());
    let message = berth_api::msg!("start.busy");
    tracing::error!(reason, "cannot start: {}", message.english());
    eprintln!("{} ({reason})", message.text(locale));
    // Started from a menu, there is no terminal to read: the desktop shows it.
    #[cfg(target_os = "linux")]
    {
        let shown = notify_rust::Notification::new()
            .summary(&berth_api::msg!("start.busy.title").text(locale))
            .body(&message.text(locale))
            .appname("Berth")
            .show();
        if let Err(e) = shown {
            tracing::warn!("the desktop did not take the notification: {e}");
        }
    }
    std::process::exit(1);
}

/// Replaces this process (same pid, so whatever launched it, a desktop file or a WebDriver,
/// still follows it).
#[cfg(unix)]
fn run_instead(mut command: std::process::Command) -> ! {
    use std::os::unix::process::CommandExt;
    let e = command.exec();
    eprintln!("Berth could not start again: {e}");
    std::process::exit(1);
}

#[cfg(not(unix))]
fn run_instead(mut command: std::process::Command) -> ! {
    match command.status() {
        Ok(status) => std::process::exit(status.code().unwrap_or(1)),
        Err(e) => {
            eprintln!("Berth could not start again: {e}");
            std::process::exit(1);
        }
    }
}
