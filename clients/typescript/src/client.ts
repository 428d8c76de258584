import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./generated/schema.js";
import { ProblemError, retryAfterSeconds } from "./problems.js";

export type ReportResource = components["schemas"]["ReportResource"];
export type CreateReportRequest = components["schemas"]["CreateReportRequest"];

/** The statuses after which a report never changes again. */
export const FinalStatuses: ReadonlySet<string> = new Set(["succeeded", "failed", "cancelled", "expired"]);

export interface ReportsClientOptions {
  /** The API's address, e.g. http://localhost:5080 (no trailing slash needed). */
  baseUrl: string;
  /** An API key (`rpt_…`) or an identity provider's access token: both go in `Authorization: Bearer`. */
  token: string;
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

export interface PollOptions extends FollowOptions {
  /** Wait between polls when the server does not say (Retry-After); default 1000 ms. */
  intervalMs?: number;
  /** Longest wait between polls; default 10,000 ms. */
  maxIntervalMs?: number;
}

/** Reconnections of one {@link ReportsClient.followEvents} call before it gives up. */
const MaxReconnects = 20;

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
  private readonly token: string;

  constructor(options: ReportsClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.token = options.token;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.api = createClient<paths>({
      baseUrl: this.baseUrl,
      fetch: this.fetch,
      headers: { Authorization: `Bearer ${options.token}` },
    });
  }

  /**
   * Requests a report (202). Pass the same `idempotencyKey` when retrying after a timeout, a 503 or a lost answer: the
   * API answers the first request's report again instead of making a second one.
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
   * first, then each change. A dropped stream is resumed with Last-Event-ID; 204 (already final) reads the report once.
   */
  async followEvents(id: string, options: FollowOptions = {}): Promise<ReportResource> {
    let lastEventId: string | undefined;
    for (let attempt = 0; attempt <= MaxReconnects; attempt++) {
      const response = await this.fetch(`${this.baseUrl}/api/reports/${encodeURIComponent(id)}/events`, {
        headers: { Authorization: `Bearer ${this.token}`, Accept: "text/event-stream", ...(lastEventId ? { "Last-Event-ID": lastEventId } : {}) },
        signal: options.signal,
      });
      if (response.status === 204) {
        return await this.getReport(id, options.signal);
      }

      if (!response.ok || response.body === null) {
        const problem = ProblemError.from(response, await readJson(response));
        if (problem.status !== 429 && problem.status !== 503) {
          throw problem;
        }

        await delay((problem.retryAfterSeconds ?? 5) * 1000, options.signal);
        continue;
      }

      for await (const event of readEvents(response.body)) {
        lastEventId = event.id ?? lastEventId;
        if (event.data === "") {
          continue;
        }

        const report = JSON.parse(event.data) as ReportResource;
        options.onUpdate?.(report);
        if (FinalStatuses.has(report.status)) {
          return report;
        }
      }
    }

    throw new Error(`The event stream of report ${id} ended ${MaxReconnects} times without a final state.`);
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
    const response = await this.fetch(url, { signal });
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
}

interface ServerSentEvent {
  id?: string;
  event?: string;
  data: string;
}

/** The events of a text/event-stream body; comments (`: keep-alive`) are skipped. Lines and events are bounded at 1 MiB. */
async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
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
      }
    }

    if (buffer.length > 1 << 20 || current.data.length > 1 << 20) {
      throw new Error("An event stream line or event is longer than 1 MiB.");
    }
  }
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
