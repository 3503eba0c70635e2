import { describe, expect, it } from "vitest";
import { dictionaries, errorHeadline, errorText, resolveLocale, translate } from "./i18n";
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

  it("say one server, not one servers", () => {
    expect(translate("en", "catalog.results", { count: 1 })).toBe("1 server");
    expect(translate("en", "catalog.results", { count: 2 })).toBe("2 servers");
    expect(translate("en", "sources.servers", { count: 1 })).toBe("1 server");
  });

  it("fall back to English, then to the key", () => {
    expect(translate("ja", "no.such.key")).toBe("no.such.key");
  });

  it("cover every error code", () => {
    const codes = ["validation", "not_found", "conflict", "docker_unavailable", "keychain_unavailable", "storage",
      "state_mismatch", "auth_required", "signature_missing", "signature_wrong_key", "signature_tampered",
  "signature_digest_mismatch", "signature_no_rule", "signature_rekor_missing", "signature_rekor_invalid", "registry_unreachable", "url_not_allowed", "network", "timeout", "unsupported", "internal"];
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

describe("backend messages", () => {
  it("show in the user's language from their key and parameters", () => {
    const e = { code: "not_found" as const, message: "No server named zeta is installed.", detail: null,
      retryable: false, key: "msg.server.not_installed", params: { name: "zeta" } };
    expect(errorText("en", e)).toBe(translate("en", "msg.server.not_installed", { name: "zeta" }));
    expect(errorText("ja", e)).toContain("zeta");
    expect(errorText("ja", e)).not.toBe(errorText("en", e));
    // A message without a key shows as sent.
    expect(errorText("ja", { ...e, key: null })).toBe(e.message);
  });

  it("join a two-part message in one language", () => {
    const e = { code: "network" as const, message: "x", detail: null, retryable: true, key: "msg.then",
      params: { a: "msg.pull.failed", a_image: "a/b", b: "msg.source.not_added" } };
    expect(errorText("ja", e)).toBe(`${translate("ja", "msg.pull.failed", { image: "a/b" })} ${translate("ja", "msg.source.not_added")}`);
  });
});
