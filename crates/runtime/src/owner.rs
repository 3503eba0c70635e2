//! `Owner`: which process owns a container, precisely enough to survive PID reuse.

use std::fmt;

/// A process identity: host, boot, PID and the process's start time. A PID alone is not enough:
/// after a crash the PID may be reused by an unrelated process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    pub host: String,
    pub boot: String,
    pub pid: u32,
    pub started: u64,
}

impl Owner {
    /// The current process.
    pub fn current() -> Self {
        let pid = std::process::id();
        Self { host: hostname(), boot: boot_id(), pid, started: start_time(pid).unwrap_or(0) }
    }

    /// Parses the label value written by `Display`.
    pub fn parse(label: &str) -> Option<Self> {
        let mut parts = label.rsplitn(4, ':');
        let started = parts.next()?.parse().ok()?;
        let pid = parts.next()?.parse().ok()?;
        let boot = parts.next()?.to_owned();
        let host = parts.next()?.to_owned();
        Some(Self { host, boot, pid, started })
    }

    /// Whether the owning process still runs. Only meaningful for owners on this host; for
    /// others it answers true, since Berth cannot see their processes.
    pub fn is_alive(&self) -> bool {
        if self.host != hostname() {
            return true;
        }
        if self.boot != boot_id() {
            return false;
        }
        match start_time(self.pid) {
            Some(t) => t == self.started,
            None => !cfg!(target_os = "linux") && process_exists(self.pid),
        }
    }
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}:{}", self.host, self.boot, self.pid, self.started)
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_owned())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into())
}

/// Changes on every boot, so PIDs from before a reboot never match.
fn boot_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().replace(':', "-"))
        .unwrap_or_default()
}

/// The process's start time in clock ticks since boot (`/proc/<pid>/stat` field 22).
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces and parentheses; fields resume after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split(' ').nth(19)?.parse().ok()
}

/// Outside Linux there is no /proc; a process exists if signalling it with 0 works. Without that
/// facility the owner is assumed alive, so nothing is ever reaped by mistake.
fn process_exists(_pid: u32) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_detects_liveness() {
        let me = Owner::current();
        assert_eq!(Owner::parse(&me.to_string()), Some(me.clone()));
        assert!(me.is_alive());
        if cfg!(target_os = "linux") {
            let reused = Owner { started: me.started + 1, ..me.clone() };
            assert!(!reused.is_alive(), "same PID, different start time is another process");
            let rebooted = Owner { boot: "other".into(), ..me.clone() };
            assert!(!rebooted.is_alive());
        }
        let elsewhere = Owner { host: "some-other-host".into(), ..me };
        assert!(elsewhere.is_alive(), "owners on other hosts are never judged dead");
        assert_eq!(Owner::parse("garbage"), None);
    }
}
