/** Runtime behaviour beyond the shared fixtures: registration, results, logging, sends, broadcast bounds. */

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  AppError,
  ConfigurationError,
  GoneError,
  MESSAGE_BYTES,
  PayloadTooLargeError,
  Response,
  UnknownEventError,
  createApp,
  type ClientFactory,
  type ConnectionInfo,
  type Context,
  type Handler,
  type ManagementClient,
} from "../src/index.js";
import { FakeManagementClient, lambdaContext, webSocketEvent } from "../src/testkit.js";
import { decodeBase64Strict, encodeUtf8, pyStrip } from "../src/text.js";

const fake = (): FakeManagementClient => new FakeManagementClient("https://fake.invalid", { connections: ["conn-1"] });

test("registering a route key twice fails at registration", () => {
  const app = createApp();
  app.webSocket("$default", () => null);
  assert.throws(() => app.webSocket("$default", () => null), /already registered/);
  assert.throws(() => app.webSocket("  ", () => null), TypeError);
});

test("registering a route or a default handler turns WebSocket support on", async () => {
  const event = webSocketEvent("$default", { body: "x" });
  await assert.rejects(createApp().handle(event), UnknownEventError);
  assert.equal(createApp().webSocket("x", () => null).webSocketSupport, true);
  assert.equal(createApp({ defaultHandler: () => null }).webSocketSupport, true);
});

test("an event that is not a WebSocket event is rejected with UnknownEventError", async () => {
  const app = createApp({ webSocketSupport: true });
  for (const event of [
    null,
    1,
    "x",
    [],
    {},
    { requestContext: { routeKey: "$default" } },
    { requestContext: { connectionId: 1, routeKey: "x" } },
  ]) {
    await assert.rejects(app.handle(event), UnknownEventError);
  }
});

test("handler results: object, array, string, bytes, nothing, Response; others are a 500", async () => {
  const cases: [unknown, number, string, string, boolean][] = [
    [{ a: 1 }, 200, "application/json; charset=utf-8", '{"a":1}', false],
    [[1, "two"], 200, "application/json; charset=utf-8", '[1,"two"]', false],
    ["pong", 200, "text/plain; charset=utf-8", "pong", false],
    [Uint8Array.from([0, 1, 255]), 200, "application/octet-stream", "AAH/", true],
    [undefined, 200, "", "", false],
    [new Response(201, "made", { "X-A": ["1", "2"] }), 201, "", "made", false],
    [42, 500, "application/json; charset=utf-8", "", false],
    [new Date(0), 500, "application/json; charset=utf-8", "", false],
    [{ nan: Number.NaN }, 500, "application/json; charset=utf-8", "", false],
    [new Response(99), 500, "application/json; charset=utf-8", "", false],
    [new Response(200, "", { "bad name": "x" }), 500, "application/json; charset=utf-8", "", false],
  ];
  for (const [result, status, contentType, body, isBase64] of cases) {
    const logged: string[] = [];
    const app = createApp({ logger: (line) => logged.push(line) });
    app.webSocket("$default", async () => result);
    const response = await app.handle(webSocketEvent("$default", { body: "x" }));
    assert.equal(response.statusCode, status, String(result));
    assert.equal(response.headers["content-type"] ?? "", contentType);
    if (status === 500) {
      assert.equal(logged.length, 1);
    } else {
      assert.equal(response.body, body);
      assert.equal(response.isBase64Encoded, isBase64);
    }
  }
});

test("multi-value headers: names lower-cased, the last value in headers", async () => {
  const app = createApp();
  app.webSocket("$default", () => new Response(200, "ok", { "X-A": ["1", "2"], "x-b": "3" }));
  const response = await app.handle(webSocketEvent("$default", { body: "x" }));
  assert.deepEqual(response.multiValueHeaders, { "x-a": ["1", "2"], "x-b": ["3"] });
  assert.deepEqual(response.headers, { "x-a": "2", "x-b": "3" });
});

test("an unhandled error is logged once as one JSON line, without bodies, headers or the message", async () => {
  const secret = "my secret diary entry 7d1f";
  const auth = "Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig-zq9";
  const logged: string[] = [];
  const app = createApp({ logger: (line) => logged.push(line) });
  app.webSocket("$connect", (ctx) => {
    const ws = ctx.asWebSocket();
    throw new TypeError(`failed for ${ws.text()} ${String(ws.headers["authorization"])}`);
  });
  const event = webSocketEvent("$connect", {
    requestId: "req-9",
    connectionId: "c-9",
    headers: { Authorization: auth },
  });
  event["body"] = secret;
  const response = await app.handle(event, lambdaContext());
  assert.equal(response.statusCode, 500);
  assert.deepEqual(JSON.parse(response.body), {
    error: { code: "app.internal", message: "internal error", request_id: "req-9" },
  });
  assert.equal(logged.length, 1);
  const line = logged[0] as string;
  assert.ok(!line.includes("\n"));
  assert.deepEqual(JSON.parse(line), {
    connection_id: "c-9",
    error_type: "TypeError",
    level: "error",
    message: "unhandled error in WebSocket handler",
    request_id: "req-9",
    route_key: "$connect",
  });
  for (const s of [secret, auth, "c2VjcmV0"]) {
    assert.ok(!line.includes(s) && !response.body.includes(s));
  }
});

test("AppError: known codes take their status, unknown codes need one", () => {
  assert.equal(new AppError("app.conflict", "x").status, 409);
  assert.throws(() => new AppError("app.nope", "x"), /unknown app error code/);
  assert.equal(new AppError("app.nope", "x", { status: 418 }).status, 418);
  assert.throws(() => new AppError("app.nope", "x", { status: 200 }), RangeError);
});

test("request id: event, then the Lambda context, then a generated one", async () => {
  const app = createApp();
  app.webSocket("$default", (ctx) => ({ id: ctx.asWebSocket().requestId }));
  const event = webSocketEvent("$default", { requestId: "  from-event  " });
  assert.equal(JSON.parse((await app.handle(event, lambdaContext("lam"))).body).id, "from-event");
  delete (event["requestContext"] as Record<string, unknown>)["requestId"];
  assert.equal(JSON.parse((await app.handle(event, lambdaContext("lam"))).body).id, "lam");
  assert.match(JSON.parse((await app.handle(event)).body).id, /^[0-9a-f]{32}$/);
});

test("middleware: first registered is outermost; it runs for every route", async () => {
  const order: string[] = [];
  const app = createApp();
  app.use((next) => async (ctx) => {
    order.push("outer-in");
    const result = await next(ctx);
    order.push("outer-out");
    return result;
  });
  app.use((next) => (ctx) => {
    order.push("inner");
    return next(ctx);
  });
  app.webSocket("$default", () => {
    order.push("handler");
    return null;
  });
  await app.handle(webSocketEvent("$default", { body: "x" }));
  assert.deepEqual(order, ["outer-in", "inner", "handler", "outer-out"]);
});

test("one management client per endpoint, created lazily and reused", async () => {
  const shared = fake();
  const created: string[] = [];
  const app = createApp({
    webSocketClientFactory: (endpoint, region) => {
      created.push(`${endpoint} ${String(region)}`);
      return shared.forEndpoint(endpoint);
    },
  });
  app.webSocket("$default", async (ctx) => ctx.asWebSocket().sendMessage("hi"));
  app.webSocket("quiet", () => null);
  await app.handle(webSocketEvent("quiet"));
  assert.deepEqual(created, []);
  for (let i = 0; i < 3; i++) await app.handle(webSocketEvent("$default", { body: "x" }));
  assert.deepEqual(created, ["https://abc123defg.execute-api.us-east-1.amazonaws.com/dev us-east-1"]);
  assert.equal(shared.calls.length, 3);
});

test("sendJSONMessage sends canonical JSON (RFC 8785): UTF-16 key order, ECMAScript numbers", async () => {
  const shared = fake();
  const app = createApp({ webSocketClientFactory: shared.clientFactory });
  app.webSocket("$default", async (ctx) => {
    await ctx.asWebSocket().sendJSONMessage({
      b: 1,
      "10": 2,
      "9": 3,
      "\uffff": 4,
      "\u{1f600}": 5,
      a: [{ y: 1, x: 0.1 }, 1e-5, 1e16, 2.5e-7, 123.456, -0, 1e21, 1.0],
    });
  });
  await app.handle(webSocketEvent("$default", { body: "x" }));
  const [sent] = shared.sentTo("conn-1");
  assert.equal(
    Buffer.from(sent as Uint8Array).toString("utf8"),
    '{"10":2,"9":3,"a":[{"x":0.1,"y":1},0.00001,10000000000000000,2.5e-7,123.456,0,1e+21,1],"b":1,"\u{1f600}":5,"\uffff":4}',
  );
});

test("a lone surrogate is sent as U+FFFD; the response body is canonical JSON too", async () => {
  const shared = fake();
  const app = createApp({ webSocketClientFactory: shared.clientFactory });
  app.webSocket("$default", async (ctx) => {
    await ctx.asWebSocket().sendJSONMessage({ a: "\ud800" });
    return { z: 1, "\udc00x": ["\ud83d", "\ud83d\ude00"], a: null };
  });
  const response = await app.handle(webSocketEvent("$default", { body: "x" }));
  assert.deepEqual([...(shared.sentTo("conn-1")[0] as Uint8Array)], [...Buffer.from('{"a":"\ufffd"}', "utf8")]);
  assert.equal(response.body, '{"a":null,"z":1,"\ufffdx":["\ufffd","\u{1f600}"]}');
});

test("NaN or Infinity from a handler answers 500 app.internal (sent or returned)", async () => {
  for (const handler of [
    async (ctx: Context) => ctx.asWebSocket().sendJSONMessage({ n: Number.NaN }),
    () => ({ n: Number.POSITIVE_INFINITY }),
    () => [Number.NEGATIVE_INFINITY],
  ]) {
    const shared = fake();
    const logged: string[] = [];
    const app = createApp({ webSocketClientFactory: shared.clientFactory, logger: (line) => logged.push(line) });
    app.webSocket("$default", handler);
    const response = await app.handle(webSocketEvent("$default", { body: "x", requestId: "r-1" }));
    assert.equal(response.statusCode, 500);
    assert.equal(response.body, '{"error":{"code":"app.internal","message":"internal error","request_id":"r-1"}}');
    assert.equal((JSON.parse(logged[0] as string) as { error_type: string }).error_type, "JsonEncodingError");
    assert.deepEqual(shared.calls, []);
  }
});

test("R6: a value nested deeper than 500 levels answers 500 app.internal (sent or returned); 500 are fine", async () => {
  const nest = (levels: number): unknown[] => {
    let value: unknown[] = [0];
    for (let i = 1; i < levels; i++) value = [value];
    return value;
  };
  for (const [handler, status] of [
    [() => nest(500), 200],
    [() => nest(501), 500],
    [() => ({ deep: nest(499) }), 200],
    [() => ({ deep: nest(500) }), 500],
    [async (ctx: Context) => ctx.asWebSocket().sendJSONMessage(nest(501)), 500],
  ] as [Handler, number][]) {
    const shared = fake();
    const logged: string[] = [];
    const app = createApp({ webSocketClientFactory: shared.clientFactory, logger: (line) => logged.push(line) });
    app.webSocket("$default", handler);
    const response = await app.handle(webSocketEvent("$default", { body: "x", requestId: "r-1" }));
    assert.equal(response.statusCode, status, response.body);
    if (status === 500) {
      assert.equal(response.body, '{"error":{"code":"app.internal","message":"internal error","request_id":"r-1"}}');
      assert.equal((JSON.parse(logged[0] as string) as { error_type: string }).error_type, "JsonEncodingError");
      assert.deepEqual(shared.calls, []);
    }
  }
});

test("an unhandled error with lone surrogates in the ids is still a 500; logging never throws", async () => {
  const logged: string[] = [];
  const app = createApp({ logger: (line) => logged.push(line) });
  app.webSocket("$default", () => {
    throw new Error("boom");
  });
  const event = webSocketEvent("$default", { body: "x", requestId: "r\ud800", connectionId: "c\udfff" });
  const response = await app.handle(event);
  assert.equal(response.statusCode, 500);
  assert.equal(response.body, '{"error":{"code":"app.internal","message":"internal error","request_id":"r\ufffd"}}');
  assert.deepEqual(JSON.parse(logged[0] as string), {
    connection_id: "c\ufffd",
    error_type: "Error",
    level: "error",
    message: "unhandled error in WebSocket handler",
    request_id: "r\ufffd",
    route_key: "$default",
  });
  const throwing = createApp({
    logger: () => {
      throw new Error("log sink down");
    },
  });
  throwing.webSocket("$default", () => {
    throw new Error("boom");
  });
  assert.equal((await throwing.handle(event)).statusCode, 500);
});

test("a webSocketClientFactory that is not a function is rejected by createApp", () => {
  for (const factory of ["x", 42, null, {}]) {
    assert.throws(
      () => createApp({ webSocketClientFactory: factory as unknown as ClientFactory }),
      (err: unknown) => err instanceof TypeError && err.message.includes("webSocketClientFactory"),
    );
  }
  createApp({ webSocketClientFactory: undefined });
});

test("blank connection ids: InvalidConnectionError before any call; broadcast lists them as failed", async () => {
  const shared = fake();
  const app = createApp({ webSocketClientFactory: shared.clientFactory });
  app.webSocket("$default", async (ctx) => {
    const ws = ctx.asWebSocket();
    const errors: string[] = [];
    for (const call of [() => ws.sendMessage("x", " "), () => ws.getConnection("\t"), () => ws.disconnect(" ")]) {
      await call().catch((err: unknown) => errors.push((err as Error).name));
    }
    const result = await ws.broadcast(["conn-1", " ", ""], "hi");
    return { errors, sent: result.sent, failed: [...result.failed.keys()] };
  });
  const response = await app.handle(webSocketEvent("$default", { body: "x" }));
  assert.deepEqual(JSON.parse(response.body), {
    errors: ["InvalidConnectionError", "InvalidConnectionError", "InvalidConnectionError"],
    failed: [" ", ""],
    sent: ["conn-1"],
  });
  assert.deepEqual(
    shared.calls.map((c) => c.connectionId),
    ["conn-1"],
  );
});

test("disconnect() is idempotent: a gone connection is success", async () => {
  const shared = fake();
  const app = createApp({ webSocketClientFactory: shared.clientFactory });
  app.webSocket("$default", async (ctx) => {
    const ws = ctx.asWebSocket();
    await ws.disconnect();
    await ws.disconnect();
    await ws.disconnect("never-existed");
    return "closed";
  });
  assert.equal((await app.handle(webSocketEvent("$default", { body: "x" }))).body, "closed");
  assert.equal(shared.calls.length, 3);
});

test("strict base64 accepts exactly what Python's b64decode(validate=True) accepts", () => {
  const valid: [string, number[]][] = [
    ["", []],
    ["AA==", [0]],
    ["AAA=", [0, 0]],
    ["AAAA", [0, 0, 0]],
    ["AB==", [0]],
    ["/+8=", [255, 239]],
    ["AAAA=", [0, 0, 0]],
    ["AAAA==", [0, 0, 0]],
  ];
  for (const [text, bytes] of valid) assert.deepEqual([...(decodeBase64Strict(text) ?? [-1])], bytes, text);
  for (const text of [
    "A",
    "AA",
    "AAA",
    "AA=",
    "A===",
    "AAAAA",
    "AA-_",
    "AA AA",
    "AA\n==",
    "AAAA=A",
    "é",
    "AAAA===",
    "=AAA",
    "=",
    "==",
    "AAA==",
    "AA==".slice(1),
  ]) {
    assert.equal(decodeBase64Strict(text), undefined, text);
  }
});

test("text helpers follow Python: strip() whitespace; UTF-8 with a lone surrogate as U+FFFD", () => {
  assert.equal(pyStrip("\x1c\x85 a \u3000"), "a");
  assert.equal(pyStrip("\ufeffa"), "\ufeffa");
  assert.deepEqual([...encodeUtf8("a\ud800")], [0x61, 0xef, 0xbf, 0xbd]);
  assert.deepEqual([...encodeUtf8("\udfff\ud800")], [0xef, 0xbf, 0xbd, 0xef, 0xbf, 0xbd]);
  assert.deepEqual([...encodeUtf8("\u{1f600}")], [0xf0, 0x9f, 0x98, 0x80]);
});

/** An app whose $default handler answers {text, json, body (base64)}; errors become {error: message}. */
function bodyProbe(): ReturnType<typeof createApp> {
  const attempt = (read: () => unknown): unknown => {
    try {
      return read();
    } catch (err) {
      if (err instanceof AppError) return { error: err.message };
      throw err;
    }
  };
  const app = createApp();
  app.webSocket("$default", (ctx) => {
    const ws = ctx.asWebSocket();
    return {
      text: attempt(() => ws.text()),
      json: attempt(() => ws.json()),
      body: Buffer.from(ws.body).toString("base64"),
    };
  });
  return app;
}

async function readBody(body: string | Uint8Array): Promise<{ text: unknown; json: unknown; body: string }> {
  const response = await bodyProbe().handle(webSocketEvent("$default", { body }));
  assert.equal(response.statusCode, 200, response.body);
  return JSON.parse(response.body) as { text: unknown; json: unknown; body: string };
}

test("text() and json(): a leading BOM is kept by text() and rejected by json()", async () => {
  assert.deepEqual(await readBody('{"a":[1,2]}'), {
    text: '{"a":[1,2]}',
    json: { a: [1, 2] },
    body: Buffer.from('{"a":[1,2]}').toString("base64"),
  });
  const bom = await readBody("\ufeff{}");
  assert.equal(bom.text, "\ufeff{}");
  assert.deepEqual(bom.json, { error: "invalid json" });
  const binaryBom = await readBody(Uint8Array.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]));
  assert.equal(binaryBom.text, "\ufeff{}");
  assert.deepEqual(binaryBom.json, { error: "invalid json" });
});

test("R4: a text body's lone surrogate is U+FFFD in body bytes, text() and json()", async () => {
  const lone = await readBody("a\ud800b\udfff\u{1f600}");
  assert.equal(lone.text, "a\ufffdb\ufffd\u{1f600}");
  assert.deepEqual([...Buffer.from(lone.body, "base64")], [...Buffer.from("a\ufffdb\ufffd\u{1f600}", "utf8")]);
  assert.deepEqual(lone.json, { error: "invalid json" });
  // A raw lone surrogate inside a JSON string: the text is "\ufffd" in quotes.
  assert.equal((await readBody(`"${String.fromCharCode(0xd800)}"`)).json, "\ufffd");
  // An escaped lone surrogate is JSON's business: json() keeps it, the encoder sends U+FFFD.
  const escaped = await readBody(String.raw`"\ud800"`);
  assert.equal(escaped.text, String.raw`"\ud800"`);
  assert.equal(escaped.json, "\ufffd");
  // A binary frame holding the WTF-8 bytes of a surrogate is not UTF-8.
  const wtf8 = await readBody(Uint8Array.from([0xed, 0xa0, 0x80]));
  assert.deepEqual(wtf8.text, { error: "invalid utf-8" });
  assert.deepEqual(wtf8.json, { error: "invalid json" });
  assert.equal(wtf8.body, "7aCA");
});

test("R5: json() nesting: 128 levels are fine, 129 are not (brackets inside strings do not count)", async () => {
  const nest = (levels: number, inner = "1"): string => "[".repeat(levels) + inner + "]".repeat(levels);
  const objects = (levels: number): string => '{"a":'.repeat(levels) + "1" + "}".repeat(levels);
  const mixed = (levels: number): string => '{"a":'.repeat(64) + nest(levels - 64) + "}".repeat(64);
  for (const text of [nest(128), nest(127, "[]"), objects(128), mixed(128), "1", "[]", `["${"[".repeat(300)}"]`]) {
    assert.deepEqual((await readBody(text)).json, JSON.parse(text), text.slice(0, 20));
  }
  const escapedQuote = `["\\"${"[".repeat(300)}"]`;
  assert.deepEqual((await readBody(escapedQuote)).json, JSON.parse(escapedQuote));
  for (const text of [nest(129), nest(128, "[]"), nest(128, "{}"), objects(129), mixed(129), "[".repeat(100000)]) {
    assert.deepEqual((await readBody(text)).json, { error: "invalid json" }, text.slice(0, 20));
  }
  assert.deepEqual((await readBody("[".repeat(100000) + "]".repeat(100000))).json, { error: "invalid json" });
});

test("R5: json() numbers beyond a double's range are invalid json; underflow is 0; last duplicate key wins", async () => {
  const ok: [string, unknown][] = [
    ["1e308", 1e308],
    ["-1e308", -1e308],
    ["1.7976931348623157e308", Number.MAX_VALUE],
    ["1.7976931348623158e308", Number.MAX_VALUE],
    ["1" + "0".repeat(308), 1e308],
    ["1e-400", 0],
    ["-1e-400", 0],
    ["0." + "0".repeat(400) + "1e400", 0.1],
    ['{"a":1,"a":2}', { a: 2 }],
    ['{"a":{"b":1},"a":[2]}', { a: [2] }],
    ['"1e400"', "1e400"],
  ];
  for (const [text, value] of ok) assert.deepEqual((await readBody(text)).json, value, text.slice(0, 30));
  for (const text of [
    "1e400",
    "-2e308",
    "[1E400]",
    '{"a":1E+400}',
    "1e0400",
    "1.7976931348623159e308",
    "1".repeat(400),
    "-" + "9".repeat(400),
    "1" + "0".repeat(307) + "e2",
    "NaN",
    "Infinity",
    "-Infinity",
    "[NaN]",
    "",
    "01",
    "[1,]",
    "'a'",
  ]) {
    assert.deepEqual((await readBody(text)).json, { error: "invalid json" }, text.slice(0, 30));
  }
});

test("sends: oversize fails locally, no endpoint is a configuration error, sends during $connect are gone", async () => {
  const shared = fake();
  const app = createApp({ webSocketClientFactory: shared.clientFactory });
  const errors: unknown[] = [];
  app.webSocket("$default", async (ctx) => {
    const ws = ctx.asWebSocket();
    await ws.sendMessage(new Uint8Array(MESSAGE_BYTES + 1)).catch((err: unknown) => errors.push(err));
    await ws.sendMessage(new Uint8Array(MESSAGE_BYTES));
  });
  await app.handle(webSocketEvent("$default"));
  assert.ok(errors[0] instanceof PayloadTooLargeError);
  assert.equal(shared.calls.length, 1);

  const noDomain = webSocketEvent("$default");
  delete (noDomain["requestContext"] as Record<string, unknown>)["domainName"];
  const bare = createApp({ webSocketClientFactory: shared.clientFactory });
  bare.webSocket("$default", (ctx) =>
    ctx
      .asWebSocket()
      .sendMessage("x")
      .catch((err: unknown) => ({ kind: String((err as Error).name) })),
  );
  assert.deepEqual(JSON.parse((await bare.handle(noDomain)).body), { kind: "ConfigurationError" });
  assert.equal(new ConfigurationError("x").name, "ConfigurationError");

  const connecting = fake();
  connecting.addConnection("c-new", { state: "connecting" });
  const guarded = createApp({ webSocketClientFactory: connecting.clientFactory });
  guarded.webSocket("$connect", (ctx) =>
    ctx
      .asWebSocket()
      .sendMessage("welcome")
      .catch((err: unknown) => ({ gone: err instanceof GoneError })),
  );
  assert.deepEqual(JSON.parse((await guarded.handle(webSocketEvent("$connect", { connectionId: "c-new" }))).body), {
    gone: true,
  });
});

test("broadcast: never more than maxConcurrency sends in flight; results by outcome, in order", async () => {
  let inFlight = 0;
  let peak = 0;
  const delivered: string[] = [];
  const slow: ManagementClient = {
    endpoint: "https://slow.invalid",
    async postToConnection(connectionId: string): Promise<void> {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight--;
      if (connectionId.startsWith("gone"))
        throw new GoneError("gone", {
          operation: "post_to_connection",
          connectionId,
          status: 410,
          awsCode: "GoneException",
        });
      delivered.push(connectionId);
    },
    async getConnection(): Promise<ConnectionInfo> {
      throw new Error("unused");
    },
    async deleteConnection(): Promise<void> {},
  };
  const app = createApp({ webSocketClientFactory: () => slow });
  app.webSocket("$default", async (ctx) => {
    const ids = Array.from({ length: 40 }, (_, i) => (i % 10 === 3 ? `gone-${i}` : `c-${i}`));
    const result = await ctx.asWebSocket().broadcast([...ids, "c-0"], "tick", { maxConcurrency: 5 });
    return { sent: result.sent.length, gone: result.gone, failed: [...result.failed.keys()] };
  });
  const response = await app.handle(webSocketEvent("$default"));
  assert.deepEqual(JSON.parse(response.body), {
    sent: 36,
    gone: ["gone-3", "gone-13", "gone-23", "gone-33"],
    failed: [],
  });
  assert.equal(peak, 5);
  assert.equal(delivered.length, 36);
});

test("the WebSocket context exposes every IDL field", async () => {
  const app = createApp();
  app.webSocket("$disconnect", (ctx) => {
    const ws = ctx.asWebSocket();
    return {
      connectionId: ws.connectionId,
      routeKey: ws.routeKey,
      eventType: ws.eventType,
      domainName: ws.domainName,
      stage: ws.stage,
      requestId: ws.requestId,
      apiId: ws.apiId,
      messageId: ws.messageId,
      connectedAt: ws.connectedAt?.toISOString(),
      requestTime: ws.requestTime?.toISOString(),
      sourceIp: ws.sourceIp,
      userAgent: ws.userAgent,
      headers: ws.headers,
      multiValueHeaders: ws.multiValueHeaders,
      query: ws.query,
      multiValueQuery: ws.multiValueQuery,
      authorizer: ws.authorizer,
      path: ws.path,
      body: ws.body.length,
      isBase64: ws.isBase64,
      disconnectStatusCode: ws.disconnectStatusCode,
      disconnectReason: ws.disconnectReason,
      managementEndpoint: ws.managementEndpoint,
      region: ws.region,
    };
  });
  const event = webSocketEvent("$disconnect", {
    connectionId: "c-1",
    requestId: "r-1",
    headers: { "X-Up": "A" },
    authorizer: { sub: "u" },
    disconnectStatusCode: 1001,
    disconnectReason: "Going away",
  });
  assert.deepEqual(JSON.parse((await app.handle(event)).body), {
    connectionId: "c-1",
    routeKey: "$disconnect",
    eventType: "DISCONNECT",
    domainName: "abc123defg.execute-api.us-east-1.amazonaws.com",
    stage: "dev",
    requestId: "r-1",
    apiId: "abc123defg",
    messageId: "",
    connectedAt: "2026-11-26T06:40:38.012Z",
    requestTime: "2026-11-26T06:40:38.431Z",
    sourceIp: "203.0.113.10",
    userAgent: "apptheory-testkit",
    headers: { host: "abc123defg.execute-api.us-east-1.amazonaws.com", "user-agent": "apptheory-testkit", "x-up": "A" },
    multiValueHeaders: {
      host: ["abc123defg.execute-api.us-east-1.amazonaws.com"],
      "user-agent": ["apptheory-testkit"],
      "x-up": ["A"],
    },
    query: {},
    multiValueQuery: {},
    authorizer: { sub: "u" },
    path: "",
    body: 0,
    isBase64: false,
    disconnectStatusCode: 1001,
    disconnectReason: "Going away",
    managementEndpoint: "https://abc123defg.execute-api.us-east-1.amazonaws.com/dev",
    region: "us-east-1",
  });
});

test("a send that fails before the call is a rejected promise, never a synchronous throw", async () => {
  const app = createApp({ webSocketClientFactory: fake().clientFactory });
  const outcomes: string[] = [];
  app.webSocket("$default", async (ctx) => {
    const ws = ctx.asWebSocket();
    const sends = [
      () => ws.sendJSONMessage({ n: Number.NaN }),
      () => ws.sendMessage(42 as unknown as string),
      () => ws.sendMessage(new Uint8Array(MESSAGE_BYTES + 1)),
    ];
    for (const send of sends) {
      const pending = send();
      assert.ok(pending instanceof Promise);
      await pending.catch((err: unknown) => outcomes.push((err as Error).name));
    }
  });
  await app.handle(webSocketEvent("$default"));
  assert.deepEqual(outcomes, ["JsonEncodingError", "TypeError", "PayloadTooLargeError"]);
});

test("the endpoint's environment variables are read on the first event; refreshEnvironment() re-reads them", async () => {
  const name = "APPTHEORY_WS_MANAGEMENT_ENDPOINT";
  const saved = process.env[name];
  try {
    process.env[name] = "https://first.example/one";
    const app = createApp({ webSocketClientFactory: fake().clientFactory });
    app.webSocket("$default", (ctx) => ({ endpoint: ctx.asWebSocket().managementEndpoint }));
    const endpoint = async (): Promise<unknown> =>
      JSON.parse((await app.handle(webSocketEvent("$default"))).body)["endpoint"];
    assert.equal(await endpoint(), "https://first.example/one");
    process.env[name] = "https://second.example/two";
    assert.equal(await endpoint(), "https://first.example/one");
    assert.equal(app.refreshEnvironment(), app);
    assert.equal(await endpoint(), "https://second.example/two");
  } finally {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  }
});

test("a text body's bytes are its UTF-8 (lone surrogates as U+FFFD), the same array on every read", async () => {
  const app = createApp();
  app.webSocket("$default", (ctx) => {
    const ws = ctx.asWebSocket();
    assert.equal(ws.body, ws.body);
    return { hex: Buffer.from(ws.body).toString("hex"), text: ws.text() };
  });
  const body = JSON.parse((await app.handle(webSocketEvent("$default", { body: "h\u00e9\ud800" }))).body);
  assert.deepEqual(body, { hex: "68c3a9efbfbd", text: "h\u00e9\ufffd" });
});
