//! Caps on open MCP sessions over HTTP, per caller and in total. Each session holds what its
//! client sent at `initialize` and may start servers, so a client opening sessions in a loop
//! would otherwise grow the gateway without end.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::Caller;

#[derive(Debug, Default)]
struct Count {
    total: usize,
    by: HashMap<Caller, usize>,
}

/// The open sessions and their caps. A session takes a [`Seat`] when it opens and gives it back
/// when it ends.
#[derive(Clone)]
pub(crate) struct Seats {
    count: Arc<Mutex<Count>>,
    per_caller: usize,
    total: usize,
}

/// One open session's place; dropping it frees the place.
#[derive(Debug)]
pub(crate) struct Seat {
    count: Arc<Mutex<Count>>,
    caller: Caller,
}

impl Drop for Seat {
    fn drop(&mut self) {
        let mut count = self.count.lock().expect("seats");
        count.total -= 1;
        if let Some(n) = count.by.get_mut(&self.caller) {
            *n -= 1;
            if *n == 0 {
                count.by.remove(&self.caller);
            }
        }
    }
}

impl Seats {
    pub(crate) fn new(per_caller: usize, total: usize) -> Self {
        Self { count: Default::default(), per_caller, total }
    }

    /// A place for a new session of `caller`, or why there is none.
    pub(crate) fn take(&self, caller: &Caller) -> Result<Seat, String> {
        let mut count = self.count.lock().expect("seats");
        let mine = count.by.get(caller).copied().unwrap_or(0);
        if mine >= self.per_caller {
            return Err(format!(
                "This client already has {mine} open sessions, the most Berth allows one client. \
                 Close a session it no longer uses (or let it time out) and try again."
            ));
        }
        if count.total >= self.total {
            return Err(format!(
                "The gateway already serves {} sessions, the most it allows. Close sessions that are \
                 no longer used (or let them time out) and try again.",
                count.total
            ));
        }
        count.total += 1;
        *count.by.entry(caller.clone()).or_default() += 1;
        Ok(Seat { count: self.count.clone(), caller: caller.clone() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_and_the_gateway_have_their_caps_and_ending_sessions_free_places() {
        let seats = Seats::new(2, 3);
        let (a, b) = (Caller::Client("a".into()), Caller::Client("b".into()));
        let a1 = seats.take(&a).unwrap();
        let _a2 = seats.take(&a).unwrap();
        assert!(seats.take(&a).unwrap_err().contains("This client already has 2 open sessions"));
        let _b1 = seats.take(&b).unwrap();
        assert!(seats.take(&b).unwrap_err().contains("already serves 3 sessions"));
        drop(a1);
        let _b2 = seats.take(&b).unwrap();
        assert!(seats.take(&Caller::Gateway).is_err());
    }
}
