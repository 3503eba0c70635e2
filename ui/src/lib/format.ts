// Small display helpers shared by pages.
import { translate } from "./i18n";
import type { Locale } from "../bindings/Locale";

/** "5 min", "3 h", "2 days" for an age in milliseconds. */
export function formatAge(locale: Locale, ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 120) return translate(locale, "age.seconds", { n: s });
  if (s < 7200) return translate(locale, "age.minutes", { n: Math.floor(s / 60) });
  if (s < 172800) return translate(locale, "age.hours", { n: Math.floor(s / 3600) });
  return translate(locale, "age.days", { n: Math.floor(s / 86400) });
}

/** Runs `f` after `ms` of quiet; each call cancels the previous pending one. */
export function debounce<A extends unknown[]>(f: (...args: A) => void, ms: number): (...args: A) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...args: A) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => f(...args), ms);
  };
}

/** Tracks request order so a slow, older response never overwrites a newer one. */
export class Latest {
  private issued = 0;
  next(): number {
    return ++this.issued;
  }
  isCurrent(ticket: number): boolean {
    return ticket === this.issued;
  }
}
