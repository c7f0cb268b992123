// The console's only way to the gateway: same-origin fetch with the session cookie (set HttpOnly
// by POST /v1/console/session, so scripts never hold a token) and the X-MCF-Console header that
// the gateway requires of every cookie-authenticated change (CSRF, docs/decisions/026).
//
// api() resolves to the reply's JSON on 2xx and throws an ApiError otherwise: `status` (0 when
// the connection failed: nothing came back), `detail`, and `field` as the problem named it
// ("body.description", "header.Idempotency-Key"...).

export class ApiError extends Error {
  constructor(status, detail, field) {
    super(detail);
    this.status = status;
    this.detail = detail;
    this.field = field || "";
  }
  // True when no answer arrived: the request may or may not have been carried out, so a retry
  // must send the same Idempotency-Key.
  get connectionLost() {
    return this.status === 0;
  }
}

export async function api(method, path, { body, idempotencyKey } = {}) {
  const headers = { "X-MCF-Console": "1", Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, "The connection to MCF was lost. Nothing you typed is lost: try again.");
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) {
    json = null;
  }
  if (!response.ok) {
    const detail = (json && json.detail) || `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, detail, json && json.field);
  }
  return json;
}

// A fresh Idempotency-Key: one per intended change, kept across retries of that change.
export function newIdempotencyKey() {
  return crypto.randomUUID();
}

// Minor units (100 per cat-unit) as "123.45 cat-units".
export function money(minor) {
  if (typeof minor !== "number") return "";
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")} cat-units`;
}

// An ISO date-time as the reader's local date and time (the API's times are UTC).
export function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

// A datetime-local input's value ("2026-01-05T10:00", local time) as RFC 3339 UTC, or "" when
// it is not a date-time.
export function toIso(local) {
  if (!local) return "";
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? "" : d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

// A File as base64 (the photo routes' `photo`).
export function fileToBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ""));
    reader.onerror = () => reject(new Error("the photo could not be read"));
    reader.readAsDataURL(file);
  });
}
