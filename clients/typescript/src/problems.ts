import type { components } from "./generated/schema.js";

/** A problem document (RFC 9457) as the API sends it; a validation problem adds `errors`. */
export type ProblemDetails = components["schemas"]["ProblemDetails"] & Partial<Pick<components["schemas"]["HttpValidationProblemDetails"], "errors">>;

/**
 * Thrown for every answer that is not a success: the API's problem document, typed, with the HTTP status and, for 429
 * and 503, the seconds the server asked to wait. Branch on `type` (stable), never on `title` or `detail`.
 */
export class ProblemError extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly instance: string | undefined;
  readonly traceId: string | undefined;
  /** Each invalid field (JSON path, query parameter or header name) with its messages: validation problems only. */
  readonly errors: Readonly<Record<string, readonly string[]>>;
  /** Seconds from the Retry-After header (429, 503), when the server sent one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(problem: ProblemDetails, status: number, retryAfterSeconds?: number) {
    super(`${status} ${problem.title}${problem.detail ? `: ${problem.detail}` : ""}`);
    this.name = "ProblemError";
    this.status = status;
    this.type = problem.type;
    this.title = problem.title;
    this.detail = problem.detail;
    this.instance = problem.instance;
    this.traceId = problem.traceId;
    this.errors = problem.errors ?? {};
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** The problem of a failed response; a body that is not a problem document (a proxy's page) still gives a ProblemError. */
  static from(response: Response, body: unknown): ProblemError {
    const retryAfter = retryAfterSeconds(response);
    if (isProblem(body)) {
      return new ProblemError(body, response.status, retryAfter);
    }

    return new ProblemError(
      { type: "about:blank", title: response.statusText || "HTTP error", status: response.status, traceId: "", detail: typeof body === "string" ? body.slice(0, 200) : undefined },
      response.status,
      retryAfter,
    );
  }
}

export function retryAfterSeconds(response: Response): number | undefined {
  const value = response.headers.get("Retry-After");
  if (value === null) {
    return undefined;
  }

  if (/^\d+$/.test(value.trim())) {
    return Number(value.trim());
  }

  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function isProblem(body: unknown): body is ProblemDetails {
  return typeof body === "object" && body !== null && typeof (body as { type?: unknown }).type === "string"
    && typeof (body as { title?: unknown }).title === "string" && typeof (body as { status?: unknown }).status === "number";
}
