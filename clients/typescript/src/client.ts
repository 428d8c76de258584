import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./generated/schema.js";
import { ProblemError, retryAfterSeconds } from "./problems.js";

export type ReportResource = components["schemas"]["ReportResource"];
export type CreateReportRequest = components["schemas"]["CreateReportRequest"];

/** The statuses after which a report never changes again. */
export const FinalStatuses: ReadonlySet<string> = new Set(["succeeded", "failed", "cancelled", "expired"]);

/** Gives the token to send: an identity provider's access token (its SDK caches and renews it), or an API key from a vault. */
export type TokenProvider = () => string | Promise<string>;

export interface ReportsClientOptions {
  /** The API's address, e.g. http://localhost:5080 (no trailing slash needed). */
  baseUrl: string;
  /**
   * An API key (`rpt_…`) or an identity provider's access token, both sent as `Authorization: Bearer`; or a function
   * giving one. The client asks the function at first use and again after a 401 (an expired or revoked token; the API
   * also ends an event stream when its token expires), then retries that call once with the fresh token.
   */
  token: string | TokenProvider;
  /** Another fetch (tests, a proxy agent); defaults to the global one. */
  fetch?: typeof globalThis.fetch;
}

export interface CreatedReport {
  report: ReportResource;
  /** The report's URL (the Location header). */
  location: string;
  /** True when an earlier request with the same Idempotency-Key made this report (Idempotent-Replayed: true). */
  replayed: boolean;
}

export interface FollowOptions {
  signal?: AbortSignal;
  /** Called with each state: every poll's answer, or every event of the stream. */
  onUpdate?: (report: ReportResource) => void;
}

export interface FollowEventsOptions extends FollowOptions {
  /** Reconnections in a row without a new event before giving up; default 10. An event received starts the count again. */
  maxReconnects?: number;
  /** The first wait before reconnecting when the server sent no `retry:` field; default 1000 ms. */
  reconnectDelayMs?: number;
  /** The wait doubles with each reconnection in a row, up to this (or the server's `retry:` if longer); default 30,000 ms. */
  maxReconnectDelayMs?: number;
  /** Called before each wait to reconnect: why, how long, and the Last-Event-ID it will send. */
  onReconnect?: (reconnect: Reconnect) => void;
}

export interface Reconnect {
  /** 1 for the first reconnection since the last event received. */
  attempt: number;
  delayMs: number;
  lastEventId: string | undefined;
  /** The stream ended without a final state, a network error cut it, or the API answered 429/503. */
  cause: "closed" | "error" | "unavailable";
  error?: unknown;
}

export interface PollOptions extends FollowOptions {
  /** Wait between polls when the server does not say (Retry-After); default 1000 ms. */
  intervalMs?: number;
  /** Longest wait between polls; default 10,000 ms. */
  maxIntervalMs?: number;
}

/**
 * The Reports API for a server-side TypeScript application. `api` is the generated client (every operation of
 * /openapi/v1.json, typed); the methods below are the usual flow over it: request a report with an Idempotency-Key,
 * follow it to a final state, and download its file through the short-lived signed URL. Every failed call throws a
 * {@link ProblemError}.
 */
export class ReportsClient {
  readonly api: Client<paths>;
  private readonly fetch: typeof globalThis.fetch;
  private readonly baseUrl: string;
  private readonly tokens: Tokens;

  constructor(options: ReportsClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.tokens = new Tokens(options.token);
    this.fetch = options.fetch ?? globalThis.fetch;
    this.api = createClient<paths>({
      baseUrl: this.baseUrl,
      fetch: (request: Request, init?: RequestInit) => this.send(request, init),
    });
  }

  /**
   * Requests a report (202). `idempotencyKey`: a new random one (`randomUUID()`) per logical request, stored with
   * whatever retries it; pass the same one when retrying after a timeout, a 503 or a lost answer, and the API answers the
   * first request's report again instead of making a second one. A key derived from the intent would give a later,
   * genuine request the old report (maybe expired), or a 422 if its parameters differ.
   */
  async createReport(request: CreateReportRequest, idempotencyKey: string, signal?: AbortSignal): Promise<CreatedReport> {
    const { data, error, response } = await this.api.POST("/api/reports", {
      body: request,
      params: { header: { "Idempotency-Key": idempotencyKey } },
      signal,
    });
    if (data === undefined) {
      throw ProblemError.from(response, error);
    }

    return {
      report: data,
      location: response.headers.get("Location") ?? `${this.baseUrl}/api/reports/${data.id}`,
      replayed: response.headers.get("Idempotent-Replayed") === "true",
    };
  }

  async getReport(id: string, signal?: AbortSignal): Promise<ReportResource> {
    const { data, error, response } = await this.api.GET("/api/reports/{id}", { params: { path: { id } }, signal });
    if (data === undefined) {
      throw ProblemError.from(response, error);
    }

    return data;
  }

  /**
   * Polls the report until a final status. Waits `intervalMs`, growing by half each time up to `maxIntervalMs`; a 429 or
   * 503 waits the server's Retry-After and polls again; any other problem is thrown.
   */
  async pollUntilFinal(id: string, options: PollOptions = {}): Promise<ReportResource> {
    let interval = options.intervalMs ?? 1000;
    const maxInterval = options.maxIntervalMs ?? 10_000;
    for (;;) {
      let wait = interval;
      try {
        const report = await this.getReport(id, options.signal);
        options.onUpdate?.(report);
        if (FinalStatuses.has(report.status)) {
          return report;
        }

        interval = Math.min(maxInterval, Math.ceil(interval * 1.5));
      } catch (e) {
        if (!(e instanceof ProblemError) || (e.status !== 429 && e.status !== 503)) {
          throw e;
        }

        wait = (e.retryAfterSeconds ?? 5) * 1000;
      }

      await delay(wait, options.signal);
    }
  }

  /**
   * Follows the report's Server-Sent Events (GET /api/reports/{id}/events) until a final state: the current state
   * first, then each change; 204 (already final) reads the report once. A stream that ends without a final state, a
   * network error (before or in the middle of the stream) and a 429/503 are resumed with Last-Event-ID after a wait:
   * the server's `retry:` field (or `reconnectDelayMs`), doubled with each reconnection in a row, or the Retry-After of a
   * 429/503. It gives up after `maxReconnects` in a row without a new event; `signal` cancels it, waits included.
   */
  async followEvents(id: string, options: FollowEventsOptions = {}): Promise<ReportResource> {
    const { signal } = options;
    const maxReconnects = options.maxReconnects ?? 10;
    const maxDelay = options.maxReconnectDelayMs ?? 30_000;
    let retryMs = options.reconnectDelayMs ?? 1000;
    let lastEventId: string | undefined;
    let attempt = 0;
    for (;;) {
      let reconnect: Omit<Reconnect, "attempt" | "delayMs" | "lastEventId">;
      let retryAfterMs: number | undefined;
      try {
        const response = await this.send(new Request(`${this.baseUrl}/api/reports/${encodeURIComponent(id)}/events`, {
          headers: { Accept: "text/event-stream", ...(lastEventId ? { "Last-Event-ID": lastEventId } : {}) },
          signal,
        }));
        if (response.status === 204) {
          return await this.getReport(id, signal);
        }

        if (!response.ok || response.body === null) {
          const problem = ProblemError.from(response, await readJson(response));
          if (problem.status !== 429 && problem.status !== 503) {
            throw problem;
          }

          reconnect = { cause: "unavailable", error: problem };
          retryAfterMs = (problem.retryAfterSeconds ?? 5) * 1000;
        } else {
          for await (const event of readEvents(response.body, ms => (retryMs = ms))) {
            if (event.id !== undefined) {
              lastEventId = event.id;
              attempt = 0; // progress: the next reconnection waits the shortest time again
            }

            if (event.data === "") {
              continue;
            }

            const report = JSON.parse(event.data) as ReportResource;
            options.onUpdate?.(report);
            if (FinalStatuses.has(report.status)) {
              return report;
            }
          }

          reconnect = { cause: "closed" };
        }
      } catch (e) {
        if (signal?.aborted || !isNetworkError(e)) {
          throw signal?.aborted ? signal.reason : e;
        }

        reconnect = { cause: "error", error: e };
      }

      attempt++;
      if (attempt > maxReconnects) {
        throw new Error(`The event stream of report ${id} was reconnected ${maxReconnects} times in a row without a new event.`, { cause: reconnect.error });
      }

      const delayMs = retryAfterMs ?? Math.min(Math.max(maxDelay, retryMs), retryMs * 2 ** (attempt - 1));
      options.onReconnect?.({ ...reconnect, attempt, delayMs, lastEventId });
      await delay(delayMs, signal);
    }
  }

  /**
   * The finished file's short-lived signed URL: GET /api/reports/{id}/download answers 302 with it in Location. The
   * redirect is not followed here, so the API key never travels to blob storage (the URL needs none).
   */
  async downloadUrl(id: string, signal?: AbortSignal): Promise<string> {
    const { error, response } = await this.api.GET("/api/reports/{id}/download", { params: { path: { id } }, redirect: "manual", signal });
    const location = response.headers.get("Location");
    if (response.status !== 302 || location === null) {
      throw ProblemError.from(response, error);
    }

    return location;
  }

  /** The finished file, streamed from blob storage through {@link downloadUrl}: read `body`, or `arrayBuffer()` for a small one. */
  async download(id: string, signal?: AbortSignal): Promise<Response> {
    const url = await this.downloadUrl(id, signal);
    const response = await this.fetch(url, { signal }); // no Authorization: the URL is signed
    if (!response.ok) {
      throw ProblemError.from(response, await response.text());
    }

    return response;
  }

  /** The secret this owner's webhooks are signed with (`whsec_…`). */
  async webhookSecret(signal?: AbortSignal): Promise<string> {
    const { data, error, response } = await this.api.GET("/api/account/webhook-secret", { signal });
    if (data === undefined) {
      throw ProblemError.from(response, error);
    }

    return data.secret;
  }

  /**
   * Sends a request to the API with the token; after a 401, when the token comes from a provider, asks it for a fresh one
   * and sends the request once more (the body was kept for that with `clone()`).
   */
  private async send(request: Request, init?: RequestInit): Promise<Response> {
    const again = this.tokens.renewable ? request.clone() : undefined;
    const token = await this.tokens.get();
    request.headers.set("Authorization", `Bearer ${token}`);
    const response = await this.fetch(request, init);
    if (response.status !== 401 || again === undefined) {
      return response;
    }

    await response.body?.cancel();
    again.headers.set("Authorization", `Bearer ${await this.tokens.renew(token)}`);
    return await this.fetch(again, init);
  }
}

/** The token to send: a fixed one, or the provider's, kept until the API refuses it. */
class Tokens {
  private current: Promise<string> | undefined;

  constructor(private readonly source: string | TokenProvider) {}

  get renewable(): boolean {
    return typeof this.source === "function";
  }

  async get(): Promise<string> {
    const source = this.source;
    if (typeof source === "string") {
      return source;
    }

    const pending = (this.current ??= Promise.resolve().then(source));
    try {
      return await pending;
    } catch (e) {
      if (this.current === pending) {
        this.current = undefined; // a failed provider is asked again next time
      }

      throw e;
    }
  }

  /** A fresh token after `refused` got a 401; calls refused together share one renewal. */
  async renew(refused: string): Promise<string> {
    const pending = this.current;
    if (pending !== undefined && (await pending.catch(() => undefined)) === refused && this.current === pending) {
      this.current = undefined;
    }

    return await this.get();
  }
}

interface ServerSentEvent {
  id?: string;
  event?: string;
  data: string;
}

/**
 * The events of a text/event-stream body; comments (`: keep-alive`) are skipped, a `retry:` field goes to `onRetry`.
 * Lines and events are bounded at 1 MiB.
 */
async function* readEvents(body: ReadableStream<Uint8Array>, onRetry: (ms: number) => void): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  let current: ServerSentEvent = { data: "" };
  let hasData = false;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.search(/\r\n|\n|\r/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith("\r\n", newline) ? 2 : 1));
      if (line === "") {
        if (hasData || current.id !== undefined) {
          yield current;
        }

        current = { data: "" };
        hasData = false;
        continue;
      }

      if (line.startsWith(":")) {
        continue;
      }

      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "data") {
        current.data = hasData ? `${current.data}\n${value}` : value;
        hasData = true;
      } else if (field === "id") {
        current.id = value;
      } else if (field === "event") {
        current.event = value;
      } else if (field === "retry" && /^\d{1,9}$/.test(value)) {
        onRetry(Number(value));
      }
    }

    if (buffer.length > 1 << 20 || current.data.length > 1 << 20) {
      throw new RangeError("An event stream line or event is longer than 1 MiB.");
    }
  }
}

/** What fetch throws when it cannot connect or the connection breaks while the body is read (undici: "fetch failed", "terminated"). */
function isNetworkError(e: unknown): boolean {
  return e instanceof TypeError;
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }

    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", abort, { once: true });
  });
}
