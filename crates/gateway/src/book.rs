//! Caps on open MCP sessions over HTTP, per caller and in total. Each session holds what its
//! client sent at `initialize` and may run servers, so a client that opens sessions without
//! closing them would grow the gateway without end. At a cap, the least recently used session
//! (the caller's own, or any, for the total) is closed as if it had timed out: a client that
//! forgets to close its sessions keeps working, and what the gateway holds stays bounded.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use crate::Caller;

struct Entry {
    caller: Caller,
    used: Instant,
}

/// The sessions the door has seen open, with who opened them and when each was last used.
pub(crate) struct SessionBook {
    open: Mutex<HashMap<String, Entry>>,
    per_caller: usize,
    total: usize,
}

impl SessionBook {
    pub(crate) fn new(per_caller: usize, total: usize) -> Self {
        Self { open: Default::default(), per_caller: per_caller.max(1), total: total.max(1) }
    }

    /// Records a new session; returns the sessions to close so the caps hold, least recently
    /// used first (never the new one).
    pub(crate) fn opened(&self, id: &str, caller: &Caller) -> Vec<String> {
        let mut open = self.open.lock().expect("session book");
        open.insert(id.to_owned(), Entry { caller: caller.clone(), used: Instant::now() });
        let mut close = Vec::new();
        let oldest = |open: &HashMap<String, Entry>, mine: bool| {
            open.iter()
                .filter(|(k, e)| k.as_str() != id && (!mine || &e.caller == caller))
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone())
        };
        while open.values().filter(|e| &e.caller == caller).count() > self.per_caller {
            let Some(k) = oldest(&open, true) else { break };
            open.remove(&k);
            close.push(k);
        }
        while open.len() > self.total {
            let Some(k) = oldest(&open, false) else { break };
            open.remove(&k);
            close.push(k);
        }
        close
    }

    /// A request on session `id`.
    pub(crate) fn used(&self, id: &str) {
        if let Some(e) = self.open.lock().expect("session book").get_mut(id) {
            e.used = Instant::now();
        }
    }

    /// Session `id` ended (DELETE).
    pub(crate) fn ended(&self, id: &str) {
        self.open.lock().expect("session book").remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_a_cap_the_least_recently_used_session_goes() {
        let book = SessionBook::new(2, 3);
        let (a, b) = (Caller::Client("a".into()), Caller::Client("b".into()));
        assert!(book.opened("a1", &a).is_empty());
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert!(book.opened("a2", &a).is_empty());
        std::thread::sleep(std::time::Duration::from_millis(2));
        book.used("a1");
        // a's third session: its least recently used (a2) goes, not b's.
        assert!(book.opened("b1", &b).is_empty());
        assert_eq!(book.opened("a3", &a), ["a2"]);
        // The total: the oldest of anyone's.
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert_eq!(book.opened("b2", &b), ["a1"]);
        book.ended("b1");
        assert!(book.opened("c1", &Caller::Gateway).is_empty());
    }
}
