/**
 * Per-event cost of the runtime's dispatch vs a hand-written handler doing the same work.
 *
 *     npm run bench -- [--events N] [--rounds R]
 *
 * The same handler as benchmarks/bench_dispatch.py, on the same realistic `$default` event, both sides
 * sending through the same strict fake:
 *
 * - runtime: `app.handle` -> handler reads connectionId / routeKey / requestId and the JSON body,
 *   `sendJSONMessage({ echo: body, from: connectionId })`, returns an object (JSON 200 response).
 * - baseline: a plain async function on the raw event doing the same work directly (JSON.parse, the
 *   https://{domainName}/{stage} endpoint, key-sorted JSON (JSON.stringify per leaf; equal to RFC 8785 for
 *   these values), postToConnection, the proxy object).
 *
 * Prints the median µs/event over interleaved rounds and the ratio runtime/baseline; never asserts.
 */

import { isDeepStrictEqual } from "node:util";

import { createApp, type ProxyResponse } from "../src/index.js";
import { FakeManagementClient, lambdaContext, type RecordedCall } from "../src/testkit.js";

const JSON_CONTENT_TYPE = "application/json; charset=utf-8";

// A copy of a real `$default` text frame (see examples/events/message-default.json).
const EVENT = {
  requestContext: {
    routeKey: "$default",
    eventType: "MESSAGE",
    extendedRequestId: "Yk3xQF1sjoEFT7w=",
    requestTime: "26/Nov/2026:06:40:38 +0000",
    messageDirection: "IN",
    stage: "prod",
    connectedAt: 1795675238012,
    requestTimeEpoch: 1795675238431,
    identity: {
      sourceIp: "203.0.113.24",
      userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    },
    requestId: "Yk3xQF1sjoEFT7w=",
    domainName: "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com",
    connectionId: "Yk3xPdTrDoECJbQ=",
    apiId: "a1b2c3d4e5",
    messageId: "Yk3zB2xdjoECF9g=",
  },
  body: '{"action":"chat","room":"lobby","text":"hello, world"}',
  isBase64Encoded: false,
};

type Handle = (event: typeof EVENT, context: { awsRequestId: string }) => Promise<ProxyResponse>;

function buildRuntime(fake: FakeManagementClient): Handle {
  const app = createApp({ webSocketSupport: true, webSocketClientFactory: fake.clientFactory });
  app.webSocket("$default", async (ctx) => {
    const ws = ctx.asWebSocket();
    const connectionId = ws.connectionId;
    const body = ws.json();
    await ws.sendJSONMessage({ echo: body, from: connectionId });
    return { ok: true, route: ws.routeKey, request_id: ws.requestId };
  });
  return app.handler();
}

function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${sortedJson(record[key])}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value);
}

function buildBaseline(fake: FakeManagementClient): Handle {
  const clients = new Map<string, FakeManagementClient>(); // one client per endpoint, like the runtime
  return async (event) => {
    const rc = event.requestContext;
    const connectionId = rc.connectionId;
    const body: unknown = JSON.parse(event.body);
    const endpoint = `https://${rc.domainName}/${rc.stage}`;
    let client = clients.get(endpoint);
    if (client === undefined) {
      client = fake.forEndpoint(endpoint);
      clients.set(endpoint, client);
    }
    await client.postToConnection(connectionId, Buffer.from(sortedJson({ echo: body, from: connectionId }), "utf8"));
    return {
      statusCode: 200,
      headers: { "content-type": JSON_CONTENT_TYPE },
      multiValueHeaders: { "content-type": [JSON_CONTENT_TYPE] },
      body: sortedJson({ ok: true, route: rc.routeKey, request_id: rc.requestId }),
      isBase64Encoded: false,
    };
  };
}

async function timeRound(handle: Handle, events: number): Promise<number> {
  const context = lambdaContext("bench-0000");
  const start = process.hrtime.bigint();
  for (let i = 0; i < events; i++) await handle(EVENT, context);
  return Number(process.hrtime.bigint() - start) / events / 1000;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

async function main(): Promise<void> {
  const events = option("--events", 20000);
  const rounds = option("--rounds", 9);
  const fake = new FakeManagementClient("https://fake.invalid", { connections: [EVENT.requestContext.connectionId] });
  const runtime = buildRuntime(fake);
  const baseline = buildBaseline(fake);

  // Same work, same output: responses and management calls must match before timing means anything.
  const outcome = async (handle: Handle): Promise<[ProxyResponse, readonly RecordedCall[]]> => {
    fake.resetCalls();
    const response = await handle(structuredClone(EVENT), lambdaContext("bench-0000"));
    const calls = fake.calls;
    fake.resetCalls();
    return [response, calls];
  };
  const same = isDeepStrictEqual(await outcome(runtime), await outcome(baseline));
  if (!same) console.error("warning: runtime and baseline differ; the comparison is not like for like");

  for (const handle of [runtime, baseline]) {
    await timeRound(handle, Math.max(Math.floor(events / 10), 100));
    fake.resetCalls();
  }
  const runtimeUs: number[] = [];
  const baselineUs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const [handle, results] of [
      [runtime, runtimeUs],
      [baseline, baselineUs],
    ] as const) {
      results.push(await timeRound(handle, events));
      fake.resetCalls(); // recorded calls would otherwise grow without bound
    }
  }
  const rt = median(runtimeUs);
  const bl = median(baselineUs);
  const show = (values: readonly number[]): string => values.map((v) => v.toFixed(2)).join(" ");
  console.log(
    `node ${process.version}, ${rounds} rounds x ${events} events, outputs identical: ${same ? "yes" : "NO"}`,
  );
  console.log(`  runtime  rounds (µs/event): ${show(runtimeUs)}`);
  console.log(`  baseline rounds (µs/event): ${show(baselineUs)}`);
  console.log(
    `  best rounds: runtime ${Math.min(...runtimeUs).toFixed(2)}, baseline ${Math.min(...baselineUs).toFixed(2)}, ` +
      `ratio ${(Math.min(...runtimeUs) / Math.min(...baselineUs)).toFixed(2)}`,
  );
  console.log(
    `dispatch: runtime ${rt.toFixed(2)} µs/event, baseline ${bl.toFixed(2)} µs/event, ratio ${(rt / bl).toFixed(2)}`,
  );
}

await main();
