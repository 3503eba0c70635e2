// Translation tables and the pure functions over them. The reactive current locale lives in
// locale.svelte.ts; everything here is plain TypeScript so it can be unit-tested.
import en from "../i18n/en.json";
import ja from "../i18n/ja.json";
import type { ApiError } from "../bindings/ApiError";
import type { Locale } from "../bindings/Locale";
import type { LocalePreference } from "../bindings/LocalePreference";

export type Dict = Record<string, string>;
export const dictionaries: Record<Locale, Dict> = { en, ja };
export const locales: Locale[] = ["en", "ja"];

/** Looks `key` up in the locale's table, falling back to English, then to the key itself. */
export function translate(locale: Locale, key: string, params: Record<string, string | number> = {}): string {
  // A count of one uses the key's `.one` text where there is one ("1 server", not "1 servers").
  const one = Number(params.count) === 1 ? `${key}.one` : null;
  const text =
    (one && (dictionaries[locale][one] ?? dictionaries.en[one])) ?? dictionaries[locale][key] ?? dictionaries.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** Mirrors the backend: the preference, or the OS locale when following the system. */
export function resolveLocale(pref: LocalePreference, system: string | null | undefined): Locale {
  if (pref === "en" || pref === "ja") return pref;
  return system?.toLowerCase().startsWith("ja") ? "ja" : "en";
}

/** The localised headline for an API error; the backend message follows as the detail. */
export function errorHeadline(locale: Locale, error: ApiError): string {
  return translate(locale, `error.${error.code}`);
}

/** A backend message in the locale: from its key (two-part messages included) and parameters, as
 *  the backend renders them, else the English text it carries. */
export function messageText(
  locale: Locale,
  key: string | null | undefined,
  params: Record<string, string> | null | undefined,
  english: string,
): string {
  const p = params ?? {};
  if (key === "msg.then") {
    const part = (side: "a" | "b") => {
      const prefix = `${side}_`;
      const own = Object.fromEntries(
        Object.entries(p)
          .filter(([k]) => k.startsWith(prefix))
          .map(([k, v]) => [k.slice(prefix.length), v]),
      ) as Record<string, string>;
      const partKey = p[side];
      return partKey ? translate(locale, partKey, own) : (own.text ?? "");
    };
    return `${part("a")} ${part("b")}`;
  }
  return key ? translate(locale, key, p) : english;
}

/** An API error's message in the locale. */
export function errorText(locale: Locale, error: ApiError): string {
  return messageText(locale, error.key, error.params as Record<string, string>, error.message);
}
