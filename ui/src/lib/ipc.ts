// One typed wrapper per Tauri command. Components call these, never `invoke` directly, so the
// command names and argument shapes live in one place next to the generated DTO types.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { open as openDialog } from "@tauri-apps/plugin-dialog";
import type { ApiError } from "../bindings/ApiError";
import type { AppInfo } from "../bindings/AppInfo";
import type { CatalogHit } from "../bindings/CatalogHit";
import type { CatalogItemView } from "../bindings/CatalogItemView";
import type { CatalogOverview } from "../bindings/CatalogOverview";
import type { CatalogQuery } from "../bindings/CatalogQuery";
import type { CatalogSourceView } from "../bindings/CatalogSourceView";
import type { Locale } from "../bindings/Locale";
import type { RefreshOutcome } from "../bindings/RefreshOutcome";
import type { InstallRequest } from "../bindings/InstallRequest";
import type { MountView } from "../bindings/MountView";
import type { RemoteRequest } from "../bindings/RemoteRequest";
import type { RemoteTestReport } from "../bindings/RemoteTestReport";
import type { TestTarget } from "../bindings/TestTarget";
import type { ConfigureRequest } from "../bindings/ConfigureRequest";
import type { EventQuery } from "../bindings/EventQuery";
import type { EventView } from "../bindings/EventView";
import type { EntryChange } from "../bindings/EntryChange";
import type { ExternalGatewayView } from "../bindings/ExternalGatewayView";
import type { FirstRunView } from "../bindings/FirstRunView";
import type { ServerProgress } from "../bindings/ServerProgress";
import type { ServerView } from "../bindings/ServerView";
import type { ToolInfo } from "../bindings/ToolInfo";
import type { CallView } from "../bindings/CallView";
import type { ClientKind } from "../bindings/ClientKind";
import type { ClientSetup } from "../bindings/ClientSetup";
import type { ClientTransport } from "../bindings/ClientTransport";
import type { GatewayStatus } from "../bindings/GatewayStatus";
import type { SessionAction } from "../bindings/SessionAction";
import type { SessionActionOutcome } from "../bindings/SessionActionOutcome";
import type { SessionView } from "../bindings/SessionView";
import type { DeepLinkOutcome } from "../bindings/DeepLinkOutcome";
import type { ConnectStarted } from "../bindings/ConnectStarted";
import type { OAuthStatus } from "../bindings/OAuthStatus";
import type { DoctorReport } from "../bindings/DoctorReport";
import type { LocalePreference } from "../bindings/LocalePreference";
import type { SecretInfo } from "../bindings/SecretInfo";
import type { SettingsView } from "../bindings/SettingsView";
import type { TrustPolicyView } from "../bindings/TrustPolicyView";
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
  settingsSetClientMetadataUrl: (url: string | null) =>
    call<SettingsView>("settings_set_client_metadata_url", { url }),
  settingsSetRestoreOnStart: (on: boolean) => call<SettingsView>("settings_set_restore_on_start", { on }),
  trustPolicy: () => call<TrustPolicyView>("trust_policy"),
  /** Turning verification off asks in a native dialog first; Cancel keeps it on. */
  trustSetVerify: (on: boolean) => call<TrustPolicyView>("trust_set_verify", { on }),
  secretSet: (key: string, value: string) => call<SecretInfo>("secret_set", { key, value }),
  secretList: () => call<SecretInfo[]>("secret_list"),
  secretDelete: (key: string) => call<boolean>("secret_delete", { key }),
  catalogSearch: (query: CatalogQuery) => call<CatalogHit[]>("catalog_search", { query }),
  catalogShow: (name: string, locale: Locale | null) => call<CatalogItemView>("catalog_show", { name, locale }),
  catalogOverview: () => call<CatalogOverview>("catalog_overview"),
  catalogSourceAdd: (location: string, id: string | null) =>
    call<CatalogSourceView>("catalog_source_add", { location, id }),
  catalogSourceRemove: (id: string) => call<boolean>("catalog_source_remove", { id }),
  catalogRefresh: (id: string | null) => call<RefreshOutcome[]>("catalog_refresh", { id }),
  serverInstall: (request: InstallRequest) => call<ServerView>("server_install", { request }),
  serverMounts: (request: InstallRequest) => call<MountView[]>("server_mounts", { request }),
  serverAddUrl: (request: RemoteRequest) => call<ServerView>("server_add_url", { request }),
  serverTest: (target: TestTarget) => call<RemoteTestReport>("server_test", { target }),
  serverConfigure: (name: string, request: ConfigureRequest) =>
    call<ServerView>("server_configure", { name, request }),
  serverAcceptChange: (name: string, seen: EntryChange[]) =>
    call<ServerView>("server_accept_change", { name, seen }),
  serverList: () => call<ServerView[]>("server_list"),
  serverStart: (name: string) => call<ServerView>("server_start", { name }),
  serverStop: (name: string) => call<ServerView>("server_stop", { name }),
  serverRemove: (name: string) => call<boolean>("server_remove", { name }),
  serverLogs: (name: string, tail: number) => call<string[]>("server_logs", { name, tail }),
  serverTools: (name: string) => call<ToolInfo[]>("server_tools", { name }),
  sessionList: (limit: number) => call<SessionView[]>("session_list", { limit }),
  sessionAct: (session: string, action: SessionAction) =>
    call<SessionActionOutcome>("session_act", { session, action }),
  callLog: (limit: number) => call<CallView[]>("call_log", { limit }),
  events: (query: EventQuery) => call<EventView[]>("events", { query }),
  clientSetups: (transport: ClientTransport) => call<ClientSetup[]>("client_setups", { transport }),
  clientConnect: (client: ClientKind, transport: ClientTransport) =>
    call<ClientSetup>("client_connect", { client, transport }),
  gatewayStatus: () => call<GatewayStatus>("gateway_status"),
  gatewaySetEnabled: (enabled: boolean) => call<GatewayStatus>("gateway_set_enabled", { enabled }),
  gatewayToken: () => call<string>("gateway_token"),
  /** Moves the gateway to another port; a running one restarts there. */
  gatewaySetPort: (port: number) => call<GatewayStatus>("gateway_set_port", { port }),
  firstRun: () => call<FirstRunView>("first_run"),
  firstRunDone: () => call<null>("first_run_done"),
  gatewaySetStarting: (servers: string[]) => call<GatewayStatus>("gateway_set_starting", { servers }),
  externalList: () => call<ExternalGatewayView[]>("external_list"),
  /** The token goes to the keychain; the address is checked (allowlist, private ranges, DNS) first. */
  externalAdd: (name: string, url: string, token: string) =>
    call<ExternalGatewayView>("external_add", { name, url, token }),
  /** The health check: a pass turns external mode on, a failure turns it off. */
  externalTest: (name: string) => call<ExternalGatewayView>("external_test", { name }),
  externalRemove: (name: string) => call<boolean>("external_remove", { name }),
  externalAllowedHosts: () => call<string[]>("external_allowed_hosts"),
  externalAllowAdd: (pattern: string) => call<string[]>("external_allow_add", { pattern }),
  externalAllowRemove: (pattern: string) => call<string[]>("external_allow_remove", { pattern }),
  oauthList: () => call<OAuthStatus[]>("oauth_list"),
  oauthConnect: (server: string) => call<ConnectStarted>("oauth_connect", { server }),
  oauthRevoke: (server: string) => call<boolean>("oauth_revoke", { server }),
};

export const events = {
  onGatewayChanged: (f: () => void): Promise<UnlistenFn> => listen("gateway-changed", () => f()),
  onServerProgress: (f: (p: ServerProgress) => void): Promise<UnlistenFn> =>
    listen<ServerProgress>("server-progress", (e) => f(e.payload)),
  onServersChanged: (f: () => void): Promise<UnlistenFn> => listen("servers-changed", () => f()),
  /** An action started outside the window (the tray) failed. */
  onServerError: (f: (e: ApiError) => void): Promise<UnlistenFn> => listen<ApiError>("server-error", (e) => f(e.payload)),
  onCatalogChanged: (f: () => void): Promise<UnlistenFn> => listen("catalog-changed", () => f()),
  onDeepLink: (f: (o: DeepLinkOutcome) => void): Promise<UnlistenFn> =>
    listen<DeepLinkOutcome>("deep-link", (e) => f(e.payload)),
  onDeepLinkError: (f: (e: ApiError) => void): Promise<UnlistenFn> =>
    listen<ApiError>("deep-link-error", (e) => f(e.payload)),
  /** A sign-in was completed or revoked. */
  onOAuthChanged: (f: () => void): Promise<UnlistenFn> => listen("oauth-changed", () => f()),
};

/** The system's folder picker; the chosen path is checked by the backend like a typed one. */
export async function pickFolder(start: string | null, title: string): Promise<string | null> {
  const picked = await openDialog({ directory: true, multiple: false, defaultPath: start ?? undefined, title });
  return typeof picked === "string" ? picked : null;
}
