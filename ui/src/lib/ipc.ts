// One typed wrapper per Tauri command. Components call these, never `invoke` directly, so the
// command names and argument shapes live in one place next to the generated DTO types.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { ApiError } from "../bindings/ApiError";
import type { AppInfo } from "../bindings/AppInfo";
import type { DeepLinkOutcome } from "../bindings/DeepLinkOutcome";
import type { DoctorReport } from "../bindings/DoctorReport";
import type { LocalePreference } from "../bindings/LocalePreference";
import type { SecretInfo } from "../bindings/SecretInfo";
import type { SettingsView } from "../bindings/SettingsView";
import { toApiError } from "./errors";

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toApiError(e);
  }
}

export const ipc = {
  appInfo: () => call<AppInfo>("app_info"),
  doctor: () => call<DoctorReport>("doctor"),
  settingsGet: () => call<SettingsView>("settings_get"),
  settingsSetLocale: (locale: LocalePreference) => call<SettingsView>("settings_set_locale", { locale }),
  secretSet: (key: string, value: string) => call<SecretInfo>("secret_set", { key, value }),
  secretList: () => call<SecretInfo[]>("secret_list"),
  secretDelete: (key: string) => call<boolean>("secret_delete", { key }),
};

export const events = {
  onDeepLink: (f: (o: DeepLinkOutcome) => void): Promise<UnlistenFn> =>
    listen<DeepLinkOutcome>("deep-link", (e) => f(e.payload)),
  onDeepLinkError: (f: (e: ApiError) => void): Promise<UnlistenFn> =>
    listen<ApiError>("deep-link-error", (e) => f(e.payload)),
};
