// The UI's current language as reactive state. Components call t(); reading `current.locale`
// inside t() makes every translated string re-render when the language changes.
import type { Locale } from "../bindings/Locale";
import { translate } from "./i18n";

export const current = $state<{ locale: Locale }>({ locale: initialLocale() });

/** Before the backend answers, the webview's language is the best guess of the OS locale. */
function initialLocale(): Locale {
  const nav = typeof navigator === "undefined" ? "" : navigator.language;
  return nav.toLowerCase().startsWith("ja") ? "ja" : "en";
}

export function setLocale(locale: Locale): void {
  current.locale = locale;
  if (typeof document !== "undefined") document.documentElement.lang = locale;
}

export function t(key: string, params?: Record<string, string | number>): string {
  return translate(current.locale, key, params);
}
