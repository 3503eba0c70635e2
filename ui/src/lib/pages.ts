// The pages of the main window, in navigation order.
export const pages = ["catalog", "servers", "sessions", "connections", "gateways", "settings", "logs"] as const;
export type Page = (typeof pages)[number];
