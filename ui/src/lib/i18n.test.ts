import { describe, expect, it } from "vitest";
import { dictionaries, errorHeadline, resolveLocale, translate } from "./i18n";
import { toApiError } from "./errors";

describe("translations", () => {
  it("have the same keys in every language", () => {
    const en = Object.keys(dictionaries.en).sort();
    const ja = Object.keys(dictionaries.ja).sort();
    expect(ja).toEqual(en);
  });

  it("translate every page title differently in Japanese", () => {
    for (const page of ["catalog", "servers", "sessions", "connections", "gateways", "settings", "logs"]) {
      const key = `nav.${page}`;
      expect(translate("ja", key)).not.toEqual(translate("en", key));
    }
  });

  it("fill placeholders and leave unknown ones", () => {
    expect(translate("en", "logs.files", { dir: "/tmp/x" })).toBe("Log files are written to /tmp/x.");
    expect(translate("ja", "logs.files", {})).toContain("{dir}");
  });

  it("have a localised fix for every doctor check", () => {
    for (const id of ["docker", "keychain", "data_dir", "database"]) {
      expect(translate("ja", `check.${id}.fix`)).not.toBe(`check.${id}.fix`);
      expect(translate("ja", `check.${id}.fix`)).not.toBe(translate("en", `check.${id}.fix`));
    }
  });

  it("fall back to English, then to the key", () => {
    expect(translate("ja", "no.such.key")).toBe("no.such.key");
  });

  it("cover every error code", () => {
    const codes = ["validation", "not_found", "conflict", "docker_unavailable", "keychain_unavailable", "storage",
      "state_mismatch", "signature_invalid", "url_not_allowed", "network", "timeout", "unsupported", "internal"];
    for (const code of codes) {
      const e = toApiError({ code, message: "m", detail: null, retryable: false });
      expect(e.code).toBe(code);
      expect(errorHeadline("ja", e)).not.toBe(`error.${code}`);
      expect(errorHeadline("en", e)).not.toBe(`error.${code}`);
    }
  });
});

describe("locale resolution", () => {
  it.each([
    ["system", "ja-JP", "ja"],
    ["system", "ja_JP.UTF-8", "ja"],
    ["system", "en-US", "en"],
    ["system", null, "en"],
    ["en", "ja-JP", "en"],
    ["ja", "en-US", "ja"],
  ] as const)("%s with OS %s → %s", (pref, sys, want) => {
    expect(resolveLocale(pref, sys)).toBe(want);
  });
});

describe("IPC errors", () => {
  it("keep ApiError objects and wrap anything else as internal", () => {
    const api = { code: "docker_unavailable", message: "down", detail: "x", retryable: true };
    expect(toApiError(api)).toBe(api);
    expect(toApiError("command not found").code).toBe("internal");
    expect(toApiError({ code: "made_up", message: "x" }).code).toBe("internal");
  });
});
