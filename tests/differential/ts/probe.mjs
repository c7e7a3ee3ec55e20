// The TypeScript probe of the differential harness (see tests/differential/README or the driver).
//
// One long-lived process: reads raw Lambda events as JSON, one per stdin line, and writes exactly one
// line per input line, in order, to stdout: the canonical JSON (RFC 8785, the runtime's own encoder) of
// {"response": <the proxy response>, "calls": [<recorded management calls>]}, or {"raised": true}
// when handling the event threw. Needs the built package: run `npm test` (or `npm run build`) in
// generated/ts first.
//
//     node tests/differential/ts/probe.mjs < events.jsonl

import { createInterface } from "node:readline";

import { App, AppError, ManagementError, encodeCanonicalJson } from "../../../generated/ts/dist/src/index.js";
import { FakeManagementClient } from "../../../generated/ts/dist/src/testkit.js";

/** The only conversions a placeholder value gets: timestamp -> ISO ms, bytes -> base64, absent -> null. */
function own(value) {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return base64(value);
  return value;
}

function base64(data) {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64");
}

/** Every IDL context field under its IDL name, then management_endpoint and region. */
function contextFields(ws) {
  return {
    connection_id: own(ws.connectionId),
    route_key: own(ws.routeKey),
    event_type: own(ws.eventType),
    domain_name: own(ws.domainName),
    stage: own(ws.stage),
    request_id: own(ws.requestId),
    api_id: own(ws.apiId),
    message_id: own(ws.messageId),
    connected_at: own(ws.connectedAt),
    request_time: own(ws.requestTime),
    source_ip: own(ws.sourceIp),
    user_agent: own(ws.userAgent),
    headers: own(ws.headers),
    multi_value_headers: own(ws.multiValueHeaders),
    query: own(ws.query),
    multi_value_query: own(ws.multiValueQuery),
    authorizer: own(ws.authorizer),
    path: own(ws.path),
    body: own(ws.body),
    is_base64: own(ws.isBase64),
    disconnect_status_code: own(ws.disconnectStatusCode),
    disconnect_reason: own(ws.disconnectReason),
    management_endpoint: own(ws.managementEndpoint),
    region: own(ws.region),
  };
}

function appErrorOr(read) {
  try {
    return read();
  } catch (err) {
    if (err instanceof AppError) return { error: err.message };
    throw err;
  }
}

async function probeHandler(ctx) {
  const ws = ctx.asWebSocket();
  const out = contextFields(ws);
  out.text = appErrorOr(() => ws.text());
  out.json = appErrorOr(() => ws.json());
  try {
    await ws.sendJSONMessage(out);
  } catch (err) {
    if (!(err instanceof ManagementError)) throw err;
    out.send_json_error = err.name;
  }
  try {
    await ws.sendMessage(ws.body);
  } catch (err) {
    if (!(err instanceof ManagementError)) throw err;
    out.send_error = err.name;
  }
  return out;
}

function seedFake(event) {
  const fake = new FakeManagementClient();
  const rc = event !== null && typeof event === "object" && !Array.isArray(event) ? event.requestContext : undefined;
  if (rc !== null && typeof rc === "object" && !Array.isArray(rc)) {
    const id = rc.connectionId;
    if (typeof id === "string" && id !== "") {
      fake.addConnection(id, { state: rc.eventType === "CONNECT" ? "connecting" : "connected" });
    }
  }
  fake.addConnection("peer-1", { state: "connected" });
  return fake;
}

async function probe(line, index) {
  let event;
  let fake;
  let response;
  try {
    event = JSON.parse(line);
    fake = seedFake(event);
    const app = new App({
      webSocketSupport: true,
      webSocketClientFactory: fake.clientFactory,
      defaultHandler: probeHandler,
      logger: () => undefined,
    });
    response = await app.handle(event, { awsRequestId: `lambda-${index}` });
  } catch {
    return encodeCanonicalJson({ raised: true });
  }
  return encodeCanonicalJson({
    response: {
      statusCode: response.statusCode,
      headers: response.headers,
      multiValueHeaders: response.multiValueHeaders,
      body: response.body,
      isBase64Encoded: response.isBase64Encoded,
    },
    calls: fake.calls.map((call) => ({
      op: call.op,
      endpoint: call.endpoint,
      connection_id: call.connectionId,
      data: call.data === undefined ? null : base64(call.data),
    })),
  });
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
let index = 0;
for await (const line of lines) {
  process.stdout.write(`${await probe(line, index)}\n`);
  index++;
}
