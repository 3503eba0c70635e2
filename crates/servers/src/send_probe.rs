//! Compile-time checks that the supervisor's futures are `Send` for any borrow, which Tauri
//! commands and spawned tasks require. rmcp's handshake future is not, so a regression here shows
//! up as a confusing error far away in the desktop crate; this keeps it next to the cause.

fn assert_send<T: Send>(_: T) {}

#[allow(dead_code)]
fn supervisor_futures_are_send(s: &crate::Supervisor, plan: crate::LaunchPlan) {
    let key = crate::ServerKey::installed("x");
    assert_send(s.start(plan, std::sync::Arc::new(|_| {})));
    assert_send(s.stop(&key));
    assert_send(s.stop_session("s"));
    assert_send(s.tools(&key));
    assert_send(s.call(&key, "y", Default::default()));
}
