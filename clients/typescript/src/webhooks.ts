import { createHmac, timingSafeEqual } from "node:crypto";
import type { ReportResource } from "./client.js";

/** The headers a worker sends with each webhook delivery. */
export const WebhookHeaders = {
  /** `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
  signature: "Reports-Signature",
  /** The delivery's id, the same on every retry: drop the ones already handled. */
  delivery: "Reports-Delivery",
  /** `report.succeeded`, `report.failed` or `report.cancelled`. */
  event: "Reports-Event",
} as const;

/** How far a delivery's `t` may be from now, by default: the README's 5 minutes. */
export const DefaultToleranceSeconds = 300;

export type WebhookVerification =
  | { ok: true; timestamp: number }
  | { ok: false; reason: "malformed" | "stale" | "mismatch" };

export interface VerifyWebhookOptions {
  /** The body exactly as received (bytes, or the string it decodes to): verify before parsing. */
  body: Uint8Array | string;
  /** The Reports-Signature header. */
  signature: string | null | undefined;
  /** The owner's secret (`whsec_…`, GET /api/account/webhook-secret), all of it. */
  secret: string;
  toleranceSeconds?: number;
  /** Unix seconds; defaults to the clock. */
  now?: number;
}

/**
 * Checks a delivery as the worker signs it: HMAC-SHA256 keyed with the secret's UTF-8 bytes over `"<t>."` followed by
 * the body's bytes, compared in constant time, and `t` no further than the tolerance from now (a captured delivery
 * cannot be replayed later).
 */
export function verifyWebhook(options: VerifyWebhookOptions): WebhookVerification {
  const parsed = parseSignature(options.signature);
  if (parsed === null) {
    return { ok: false, reason: "malformed" };
  }

  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - parsed.timestamp) > (options.toleranceSeconds ?? DefaultToleranceSeconds)) {
    return { ok: false, reason: "stale" };
  }

  const body = typeof options.body === "string" ? Buffer.from(options.body, "utf8") : options.body;
  const expected = createHmac("sha256", Buffer.from(options.secret, "utf8")).update(`${parsed.timestamp}.`, "utf8").update(body).digest();
  const matches = parsed.signatures.some(v1 => v1.length === expected.length && timingSafeEqual(v1, expected));
  return matches ? { ok: true, timestamp: parsed.timestamp } : { ok: false, reason: "mismatch" };
}

/** {@link verifyWebhook}, then the body as the report's status resource; throws when the delivery does not verify. */
export function parseVerifiedWebhook(options: VerifyWebhookOptions): ReportResource {
  const result = verifyWebhook(options);
  if (!result.ok) {
    throw new Error(`The webhook does not verify (${result.reason}).`);
  }

  const text = typeof options.body === "string" ? options.body : new TextDecoder().decode(options.body);
  return JSON.parse(text) as ReportResource;
}

/** The signature header as a worker would write it, for tests of a receiver. */
export function signWebhook(body: Uint8Array | string, secret: string, timestamp: number): string {
  const mac = createHmac("sha256", Buffer.from(secret, "utf8")).update(`${timestamp}.`, "utf8").update(body).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

function parseSignature(header: string | null | undefined): { timestamp: number; signatures: Buffer[] } | null {
  if (!header) {
    return null;
  }

  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(",")) {
    const at = part.indexOf("=");
    const key = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (at > 0 && key === "t" && /^\d{1,12}$/.test(value)) {
      timestamp = Number(value);
    } else if (at > 0 && key === "v1" && /^[0-9a-f]{64}$/.test(value)) {
      signatures.push(Buffer.from(value, "hex"));
    }
  }

  return timestamp === undefined || signatures.length === 0 ? null : { timestamp, signatures };
}
