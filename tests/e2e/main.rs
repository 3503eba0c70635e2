//! End-to-end tests of the whole product: the real desktop binary in a real window (Xvfb) driven
//! through tauri-driver and WebKitWebDriver, and secrets through the real Secret Service.
//!
//! They need services `make test` starts: a display, a D-Bus session with an unlocked Secret
//! Service, and `tauri-driver` on PATH. Without them a test prints `skipped: <why>`; with
//! `BERTH_REQUIRE_SERVICES=1` (set by `make test`) a missing service fails the test instead.

mod desktop;
mod external;
mod feedback;
mod first_run;
mod gateway;
mod japanese;
mod journey;
mod oauth;
mod remote;
mod restore;
mod review;
mod secrets;
mod servers;
mod sessions;
mod support;
mod trust;
