//! Image signature verification commands: the policy, and the toggle, whose off position is
//! confirmed in a native warning dialog before anything is saved.

use std::collections::BTreeMap;

use berth_api::{ApiError, Berth, Locale, TrustPolicyView};
use tauri::{AppHandle, Manager, State};
use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};

#[tauri::command]
pub async fn trust_policy(berth: State<'_, Berth>) -> Result<TrustPolicyView, ApiError> {
    berth.trust_policy().await
}

/// Turns verification on, or off after the user said yes in the dialog; Cancel (or closing the
/// dialog) keeps it on and saves nothing.
#[tauri::command]
pub async fn trust_set_verify(
    app: AppHandle,
    berth: State<'_, Berth>,
    on: bool,
) -> Result<TrustPolicyView, ApiError> {
    if !on && !confirm_off(&app, &berth).await {
        return berth.trust_policy().await;
    }
    berth.set_verify_signatures(on).await
}

/// Asks, in a native warning dialog over the main window, whether to turn verification off.
async fn confirm_off(app: &AppHandle, berth: &Berth) -> bool {
    let locale = berth.settings().await.map_or(Locale::En, |s| s.effective_locale);
    let text = |key: &str| berth_api::messages::render(locale, key, &BTreeMap::new());
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut dialog = app
        .dialog()
        .message(text("dialog.verify_off.body"))
        .title(text("dialog.verify_off.title"))
        .kind(MessageDialogKind::Warning)
        .buttons(MessageDialogButtons::OkCancelCustom(
            text("dialog.verify_off.confirm"),
            text("dialog.verify_off.cancel"),
        ));
    if let Some(window) = app.get_webview_window(crate::MAIN_WINDOW) {
        dialog = dialog.parent(&window);
    }
    dialog.show(move |yes| {
        let _ = tx.send(yes);
    });
    rx.await.unwrap_or(false)
}
