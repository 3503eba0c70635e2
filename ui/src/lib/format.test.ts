import { describe, expect, it, vi } from "vitest";
import { debounce, formatAge, Latest } from "./format";

describe("formatAge", () => {
  it.each([
    [5_000, "en", "5 s"],
    [600_000, "en", "10 min"],
    [3 * 3_600_000, "en", "3 h"],
    [5 * 86_400_000, "ja", "5 日"],
  ] as const)("%d ms in %s", (ms, locale, want) => {
    expect(formatAge(locale, ms)).toBe(want);
  });
});

describe("search helpers", () => {
  it("debounce runs once with the last arguments", () => {
    vi.useFakeTimers();
    const seen: string[] = [];
    const f = debounce((q: string) => seen.push(q), 50);
    f("g");
    f("gi");
    f("git");
    vi.advanceTimersByTime(60);
    expect(seen).toEqual(["git"]);
    vi.useRealTimers();
  });

  it("Latest drops responses to superseded requests", () => {
    const l = new Latest();
    const a = l.next();
    const b = l.next();
    expect(l.isCurrent(a)).toBe(false);
    expect(l.isCurrent(b)).toBe(true);
  });
});
