//! Compile-time checks that the facade's server futures are `Send` for any borrow of `Berth`, as
//! Tauri commands require.

fn assert_send<T: Send>(_: T) {}

#[allow(dead_code)]
fn server_futures_are_send(b: &crate::Berth) {
    assert_send(b.server_start("x", std::sync::Arc::new(|_| {})));
    assert_send(b.server_stop("x"));
    assert_send(b.server_list());
    assert_send(b.server_call("x", "y", Default::default()));
    assert_send(b.catalog_search(Default::default()));
    assert_send(b.gateway_status());
    assert_send(b.gateway_set_enabled(true));
    assert_send(b.gateway_start_if_enabled());
    assert_send(b.gateway_set_starting(Vec::new()));
}
