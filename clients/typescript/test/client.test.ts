// The client against a running API and worker (run by Reports.Tests/Clients/ClientTests.cs):
// REPORTS_URL, REPORTS_KEY (a user key), REPORTS_FROM and REPORTS_TO (an orders report's days).
// Prints one "RESULT {json}" line for the C# test and ends with "OK"; any failed check prints "FAIL: …" and exits 1.
import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { ProblemError, ReportsClient, signWebhook, verifyWebhook, WebhookHeaders, type ReportResource } from "../src/index.js";

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
}

/** An application's webhook endpoint on a loopback port: verifies each delivery with the client's function, 400 if it does not verify. */
async function startReceiver(secret: () => string | undefined) {
  const deliveries: Delivery[] = [];
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
      deliveries.push({ headers: request.headers, body, verified });
      response.writeHead(verified ? 204 : 400).end();
      arrived();
    });
  });
  await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/reports`, deliveries, first, close: () => server.close() };
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
    check(JSON.parse(delivery.body.toString("utf8")).id === created.report.id, "the webhook is about another report");
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
