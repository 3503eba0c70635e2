//! Removing containers whose owning process is gone.

use crate::{ContainerRuntime, Owner, RuntimeError};

/// Removes every `berth.managed` container whose owner process no longer runs (or that has no
/// readable owner), and returns their names. Called when the app, the CLI or a gateway starts.
pub async fn reap_orphans(runtime: &dyn ContainerRuntime) -> Result<Vec<String>, RuntimeError> {
    let mut reaped = Vec::new();
    for c in runtime.list_managed().await? {
        let orphan = match c.owner.as_deref().and_then(Owner::parse) {
            Some(owner) => !owner.is_alive(),
            None => true,
        };
        if orphan {
            tracing::info!(container = %c.name, server = %c.server, "removing orphaned container");
            runtime.stop_and_remove(&c.id, 0).await?;
            reaped.push(c.name);
        }
    }
    Ok(reaped)
}
