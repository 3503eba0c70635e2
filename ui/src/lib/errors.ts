// Normalises whatever a failed IPC call rejects with into the backend's ApiError shape.
import type { ApiError } from "../bindings/ApiError";
import type { ErrorCode } from "../bindings/ErrorCode";

const codes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "validation", "not_found", "conflict", "docker_unavailable", "keychain_unavailable", "storage",
  "state_mismatch", "auth_required", "signature_missing", "signature_wrong_key", "signature_tampered",
  "signature_digest_mismatch", "signature_no_rule", "signature_rekor_missing", "signature_rekor_invalid", "registry_unreachable", "url_not_allowed", "network", "timeout", "unsupported", "internal",
]);

export function isApiError(e: unknown): e is ApiError {
  if (typeof e !== "object" || e === null) return false;
  const o = e as Record<string, unknown>;
  return typeof o.code === "string" && codes.has(o.code as ErrorCode) && typeof o.message === "string";
}

export function toApiError(e: unknown): ApiError {
  if (isApiError(e)) return e;
  // Tauri rejects with a plain string when a command is missing or its arguments do not parse.
  const message = typeof e === "string" ? e : e instanceof Error ? e.message : JSON.stringify(e);
  return { code: "internal", message, detail: null, retryable: false, key: null, params: {} };
}
