// The client against a running API and worker (run by Reports.Tests/Clients/ClientTests.cs):
// REPORTS_URL, REPORTS_KEY (a user key), REPORTS_REVOKED_KEY (a revoked key of the same owner), REPORTS_FROM and
// REPORTS_TO (an orders report's days).
// Prints one "RESULT {json}" line for the C# test and ends with "OK"; any failed check prints "FAIL: …" and exits 1.
import { createHash, randomUUID } from "node:crypto";
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  ProblemError, ReportsClient, signWebhook, verifyWebhook, webhookEventKey, WebhookHeaders, type Reconnect, type ReportResource,
} from "../src/index.js";

const deadline = AbortSignal.timeout(4 * 60_000);

function env(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set.`);
  }

  return value;
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) {
    throw new Error(message);
  }
}

async function expectProblem(call: () => Promise<unknown>, status: number): Promise<ProblemError> {
  try {
    await call();
  } catch (e) {
    check(e instanceof ProblemError, `expected a ProblemError, got ${String(e)}`);
    check(e.status === status, `expected ${status}, got ${e.status}: ${e.message}`);
    return e;
  }

  throw new Error(`expected a ${status} problem, the call succeeded`);
}

/** Records of a CSV text (RFC 4180 quoting: a quoted field may hold commas, quotes and newlines). */
function csvRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ",") {
      record.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") {
        i++;
      }

      record.push(field);
      records.push(record);
      record = [];
      field = "";
    } else {
      field += c;
    }
  }

  if (field !== "" || record.length > 0) {
    record.push(field);
    records.push(record);
  }

  return records;
}

interface Delivery {
  headers: IncomingHttpHeaders;
  body: Buffer;
  verified: boolean;
  /** The verified event was handled before (its {@link webhookEventKey} was already claimed). */
  duplicate: boolean;
}

/**
 * An application's webhook endpoint on a loopback port: verifies each delivery with the client's function (400 if it
 * does not verify), then claims the event's key from the signed body: a delivery of an event already handled is
 * answered 204 too (so the worker stops retrying) but not handled again, whatever its Reports-Delivery header says.
 */
async function startReceiver(secret: () => string | undefined) {
  const deliveries: Delivery[] = [];
  const handled = new Set<string>(); // a table with a unique key, or Redis SET NX, in an application
  let arrived: () => void = () => {};
  const first = new Promise<void>(resolve => (arrived = resolve));
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= 1 << 20) {
        chunks.push(chunk);
      }
    });
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      const key = secret();
      const verified = key !== undefined && verifyWebhook({ body, signature: request.headers["reports-signature"] as string | undefined, secret: key }).ok;
      const duplicate = verified && !claim(handled, webhookEventKey(JSON.parse(body.toString("utf8")) as ReportResource));
      deliveries.push({ headers: request.headers, body, verified, duplicate });
      response.writeHead(verified ? 204 : 400).end();
      arrived();
    });
  });
  await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/reports`, deliveries, first, close: () => server.close() };
}

function claim(handled: Set<string>, key: string): boolean {
  if (handled.has(key)) {
    return false;
  }

  handled.add(key);
  return true;
}

type Handler = (connection: number, request: IncomingMessage, response: ServerResponse) => boolean;

/**
 * A loopback proxy in front of the API that can play the network's part: per path, a handler may answer a connection
 * itself (cut it, end it early) and returns false to let it through to the API. Records each request's Last-Event-ID.
 */
async function startProxy(upstream: string, handlers: Record<string, Handler>) {
  const target = new URL(upstream);
  const requests: { path: string; lastEventId: string | undefined }[] = [];
  const connections = new Map<string, number>();
  const server = createServer((request, response) => {
    const path = request.url ?? "/";
    const connection = (connections.get(path) ?? 0) + 1;
    connections.set(path, connection);
    requests.push({ path, lastEventId: request.headers["last-event-id"] as string | undefined });
    if (handlers[path]?.(connection, request, response)) {
      return;
    }

    const forward = httpRequest({ host: target.hostname, port: target.port, method: request.method, path, headers: { ...request.headers, host: target.host } }, answer => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    forward.on("error", () => response.destroy());
    request.pipe(forward);
  });
  await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const close = () => {
    server.closeAllConnections();
    server.close();
  };
  return { url: `http://127.0.0.1:${port}`, requests, close };
}

/** One event as the API writes it. */
function sse(id: string, report: ReportResource): string {
  return `id: ${id}\nevent: status\ndata: ${JSON.stringify(report)}\n\n`;
}

async function main(): Promise<void> {
  const client = new ReportsClient({ baseUrl: env("REPORTS_URL"), token: env("REPORTS_KEY") });
  const parameters = { from: env("REPORTS_FROM"), to: env("REPORTS_TO") };
  let secret: string | undefined;
  const receiver = await startReceiver(() => secret);
  try {
    secret = await client.webhookSecret(deadline);
    check(secret.startsWith("whsec_"), `unexpected secret ${secret.slice(0, 6)}…`);

    // Create with an Idempotency-Key; the same request with the same key answers the same report, marked replayed.
    const key = `ts-client-${randomUUID()}`;
    const request = { type: "orders", format: "csv", parameters, webhookUrl: receiver.url };
    const created = await client.createReport(request, key, deadline);
    check(!created.replayed, "the first create was marked replayed");
    check(created.report.status === "queued", `first create: status ${created.report.status}`);
    const again = await client.createReport(request, key, deadline);
    check(again.replayed, "the second create with the same key is not marked Idempotent-Replayed");
    check(again.report.id === created.report.id, `the second create answered ${again.report.id}, not ${created.report.id}`);

    // Problems come back typed: another request under the same key is a 422, a missing report a 404, a bad body a 400 with errors.
    const reused = await expectProblem(() => client.createReport({ ...request, format: "ndjson" }, key, deadline), 422);
    check(reused.type.startsWith("https://") && reused.traceId, `422 problem without type or traceId: ${JSON.stringify(reused)}`);
    const missing = await expectProblem(() => client.getReport(randomUUID(), deadline), 404);
    check(missing.title.length > 0, "404 problem without a title");
    const invalid = await expectProblem(() => client.createReport({ type: "orders", format: "csv", parameters: { from: "not a day" } }, `ts-bad-${randomUUID()}`, deadline), 400);
    check(Object.keys(invalid.errors).length > 0, `400 problem without errors: ${JSON.stringify(invalid)}`);
    await expectProblem(() => client.downloadUrl(randomUUID(), deadline), 404);

    // Follow progress: the event stream to the final state, then a poll agrees.
    const seen: ReportResource[] = [];
    const final = await client.followEvents(created.report.id, { signal: deadline, onUpdate: r => seen.push(r) });
    check(final.status === "succeeded", `final status ${final.status}: ${JSON.stringify(final.error)}`);
    check(seen.length >= 1 && seen.every(r => r.id === created.report.id), "no events, or events of another report");
    const polled = await client.pollUntilFinal(created.report.id, { signal: deadline, intervalMs: 200 });
    check(polled.status === "succeeded" && polled.file?.sha256 === final.file?.sha256, "the poll disagrees with the stream");

    // A token provider (an identity provider's SDK in an application): asked at first use and again after a 401, and the
    // call retried once. Here it gives a revoked key first, as an expired token would be: the API refuses it, the
    // client asks again, gets the valid key and keeps it.
    const revoked = env("REPORTS_REVOKED_KEY");
    await expectProblem(() => new ReportsClient({ baseUrl: env("REPORTS_URL"), token: revoked }).getReport(created.report.id, deadline), 401);
    let asked = 0;
    const renewing = new ReportsClient({ baseUrl: env("REPORTS_URL"), token: async () => (asked++ === 0 ? revoked : env("REPORTS_KEY")) });
    const retried = await renewing.createReport(request, key, deadline);
    check(retried.replayed && retried.report.id === created.report.id, "a POST retried after a 401 lost its body or its Idempotency-Key");
    check(asked === 2, `the provider was asked ${asked} times for a refused token and its renewal`);
    check((await renewing.getReport(created.report.id, deadline)).id === created.report.id && asked === 2, `the renewed token was not kept: asked ${asked} times`);
    let together = 0;
    const concurrent = new ReportsClient({ baseUrl: env("REPORTS_URL"), token: () => (together++ === 0 ? revoked : env("REPORTS_KEY")) });
    const both = await Promise.all([concurrent.getReport(created.report.id, deadline), concurrent.getReport(created.report.id, deadline)]);
    check(both.every(r => r.id === created.report.id), "the renewed token read another report");
    check(together === 2, `two calls refused together should share one renewal: the provider was asked ${together} times`);
    let refusedAsked = 0;
    const alwaysRevoked = new ReportsClient({ baseUrl: env("REPORTS_URL"), token: () => (refusedAsked++, revoked) });
    await expectProblem(() => alwaysRevoked.getReport(created.report.id, deadline), 401);
    check(refusedAsked === 2, `a token refused twice should end in the 401 after one renewal: asked ${refusedAsked} times`);
    let streamAsked = 0;
    const streaming = new ReportsClient({ baseUrl: env("REPORTS_URL"), token: () => (streamAsked++ === 0 ? revoked : env("REPORTS_KEY")) });
    const streamed = await streaming.followEvents(created.report.id, { signal: deadline });
    check(streamed.status === "succeeded" && streamAsked === 2, `the event stream after a 401: ${streamed.status}, asked ${streamAsked} times`);

    // A dropped stream, through a proxy playing the network: the first connection sends an event (and retry: 150) and is
    // cut in the middle of the stream, the second is cut before any answer, the third sends an event and ends cleanly
    // without a final state, the fourth reaches the API, which answers the states after Last-Event-ID.
    const eventsPath = `/api/reports/${created.report.id}/events`;
    const running = (rows: number): ReportResource => ({ ...created.report, status: "running", progress: { ...created.report.progress, rowsWritten: rows } });
    const cut: Record<number, () => void> = {};
    const gaveUpPath = `/api/reports/${randomUUID()}/events`;
    const abortedPath = `/api/reports/${randomUUID()}/events`;
    const proxy = await startProxy(env("REPORTS_URL"), {
      [eventsPath]: (connection, _, response) => {
        if (connection === 1 || connection === 3) {
          response.writeHead(200, { "Content-Type": "text/event-stream" });
          response.write((connection === 1 ? "retry: 150\n\n" : "") + sse(String(connection), running(connection)));
          cut[connection] = () => (connection === 1 ? response.socket?.destroy() : response.end());
          return true;
        }

        if (connection === 2) {
          response.socket?.destroy();
          return true;
        }

        return false;
      },
      [gaveUpPath]: (_, __, response) => (response.socket?.destroy(), true),
      [abortedPath]: (_, __, response) => {
        response.writeHead(200, { "Content-Type": "text/event-stream" }).end(`retry: 60000\n\n${sse("7", running(7))}`);
        return true;
      },
    });
    const reconnects: Reconnect[] = [];
    try {
      const throughProxy = new ReportsClient({ baseUrl: proxy.url, token: env("REPORTS_KEY") });
      const resumed = await throughProxy.followEvents(created.report.id, {
        signal: deadline,
        onUpdate: r => cut[Number(r.progress.rowsWritten)]?.(), // each scripted event seen: the proxy cuts or ends that connection
        onReconnect: r => reconnects.push(r),
      });
      check(resumed.status === "succeeded" && resumed.file?.sha256 === final.file?.sha256, `resumed to ${resumed.status}`);
      const sent = proxy.requests.filter(r => r.path === eventsPath).map(r => r.lastEventId ?? "-");
      check(JSON.stringify(sent) === JSON.stringify(["-", "1", "1", "3"]), `Last-Event-ID per connection: ${JSON.stringify(sent)}`);
      const seenReconnects = reconnects.map(r => `${r.cause} ${r.attempt} ${r.delayMs} ${r.lastEventId}`);
      check(JSON.stringify(seenReconnects) === JSON.stringify(["error 1 150 1", "error 2 300 1", "closed 1 150 3"]),
        `reconnections (cause, attempt in a row, wait from retry: doubled, Last-Event-ID): ${JSON.stringify(seenReconnects)}`);

      // Bounded: a stream that is always cut gives up after maxReconnects in a row, the waits doubling.
      const gaveUp: Reconnect[] = [];
      const fakeId = gaveUpPath.split("/")[3]!;
      try {
        await throughProxy.followEvents(fakeId, { signal: deadline, maxReconnects: 3, reconnectDelayMs: 1, onReconnect: r => gaveUp.push(r) });
        throw new Error("a stream cut every time was followed to the end");
      } catch (e) {
        check(e instanceof Error && e.message.includes("3 times in a row"), `gave up with ${String(e)}`);
      }
      check(JSON.stringify(gaveUp.map(r => r.delayMs)) === "[1,2,4]", `waits ${JSON.stringify(gaveUp.map(r => r.delayMs))}`);
      check(proxy.requests.filter(r => r.path === gaveUpPath).length === 4, "not 1 + 3 connections before giving up");

      // Cancellable: the server's retry: 60000 is honoured, and aborting during that wait ends the call at once.
      const stop = new AbortController();
      const reason = new Error("the user left");
      let waited = 0;
      const aborted = await throughProxy.followEvents(abortedPath.split("/")[3]!, {
        signal: stop.signal,
        onReconnect: r => ((waited = r.delayMs), stop.abort(reason)),
      }).then(() => undefined, (e: unknown) => e);
      check(aborted === reason && waited === 60_000, `abort during a ${waited} ms wait gave ${String(aborted)}`);
    } finally {
      proxy.close();
    }

    // Download through the signed URL (302 from the API, then blob storage without the key).
    const signedUrl = await client.downloadUrl(created.report.id, deadline);
    check(!signedUrl.startsWith(env("REPORTS_URL")), `the download URL is the API's own: ${signedUrl}`);
    const file = Buffer.from(await (await client.download(created.report.id, deadline)).arrayBuffer());
    const sha256 = createHash("sha256").update(file).digest("hex");
    check(sha256 === final.file?.sha256, `downloaded sha256 ${sha256}, the report says ${final.file?.sha256}`);
    const records = csvRecords(new TextDecoder("utf-8", { fatal: true }).decode(file));

    // The worker's signed webhook: the receiver verified it; tampering and replaying are refused.
    await Promise.race([receiver.first, new Promise((_, reject) => deadline.addEventListener("abort", () => reject(new Error("no webhook arrived"))))]);
    const delivery = receiver.deliveries[0]!;
    const signature = delivery.headers["reports-signature"] as string;
    check(delivery.verified, `the receiver could not verify the delivery: ${signature}`);
    check(delivery.headers["reports-event"] === "report.succeeded", `event ${String(delivery.headers["reports-event"])}`);
    check(typeof delivery.headers["reports-delivery"] === "string", `no ${WebhookHeaders.delivery} header`);
    const delivered = JSON.parse(delivery.body.toString("utf8")) as ReportResource;
    check(delivered.id === created.report.id, "the webhook is about another report");
    check(webhookEventKey(delivered) === `${created.report.id}:report.succeeded:${final.attempts}`, `event key ${webhookEventKey(delivered)}`);
    const tampered = Buffer.concat([delivery.body, Buffer.from(" ")]);
    const tamperedResult = verifyWebhook({ body: tampered, signature, secret: secret });
    check(!tamperedResult.ok && tamperedResult.reason === "mismatch", `a tampered body verified: ${JSON.stringify(tamperedResult)}`);
    const wrongSecret = verifyWebhook({ body: delivery.body, signature, secret: `${secret}x` });
    check(!wrongSecret.ok && wrongSecret.reason === "mismatch", "another secret verified");
    const old = Math.floor(Date.now() / 1000) - 600;
    const replay = verifyWebhook({ body: delivery.body, signature: signWebhook(delivery.body, secret, old), secret });
    check(!replay.ok && replay.reason === "stale", `a 10-minute-old signature verified: ${JSON.stringify(replay)}`);
    const t = Number(/t=(\d+)/.exec(signature)![1]);
    const later = verifyWebhook({ body: delivery.body, signature, secret, now: t + 301 });
    check(!later.ok && later.reason === "stale", "the real delivery still verified 301 s later");
    const malformed = verifyWebhook({ body: delivery.body, signature: "v1=abc", secret });
    check(!malformed.ok && malformed.reason === "malformed", "a header without t verified");

    // Several v1 values (as during a secret's rotation): one valid among others verifies. A t too far ahead is refused.
    const v1 = /v1=([0-9a-f]{64})/.exec(signature)![1]!;
    const several = `t=${t},v1=${"0".repeat(64)},v1=${v1},v1=${"f".repeat(64)}`;
    const severalResult = verifyWebhook({ body: delivery.body, signature: several, secret, now: t });
    check(severalResult.ok, `one valid v1 among others did not verify: ${JSON.stringify(severalResult)}`);
    const noneValid = verifyWebhook({ body: delivery.body, signature: `t=${t},v1=${"0".repeat(64)},v1=${"f".repeat(64)}`, secret, now: t });
    check(!noneValid.ok && noneValid.reason === "mismatch", "several v1 values, none valid, verified");
    const future = verifyWebhook({ body: delivery.body, signature: signWebhook(delivery.body, secret, Math.floor(Date.now() / 1000) + 600), secret });
    check(!future.ok && future.reason === "stale", `a t 10 minutes ahead verified: ${JSON.stringify(future)}`);

    // De-duplication on signed data: the worker's delivery captured and sent again within the tolerance under a new
    // Reports-Delivery id still verifies (the header is not signed), and the receiver knows it as the same event.
    check(!delivery.duplicate, "the first delivery was taken for a duplicate");
    const replayed = await fetch(receiver.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Reports-Signature": several, "Reports-Delivery": randomUUID(), "Reports-Event": "report.succeeded" },
      body: new Uint8Array(delivery.body),
      signal: deadline,
    });
    const replayedDelivery = receiver.deliveries.at(-1)!;
    check(replayed.status === 204 && replayedDelivery.verified && replayedDelivery.duplicate,
      `a replayed delivery under a new id: ${replayed.status}, verified ${replayedDelivery.verified}, duplicate ${replayedDelivery.duplicate}`);
    check(receiver.deliveries.filter(d => d.verified && !d.duplicate).length === 1, "the event was handled more than once");

    console.log(`RESULT ${JSON.stringify({
      reportId: created.report.id,
      replayedId: again.report.id,
      events: seen.length,
      sha256,
      header: records[0],
      rows: records.length - 1,
      rowsWritten: final.progress.rowsWritten,
      webhookEvent: delivery.headers["reports-event"],
      webhookVerified: delivery.verified,
      replayRecognised: replayedDelivery.duplicate,
      tokenProviderCalls: asked,
      reconnects: reconnects.length,
    })}`);
    console.log("OK");
  } finally {
    receiver.close();
  }
}

main().catch((e: unknown) => {
  console.log(`FAIL: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  process.exitCode = 1;
});
