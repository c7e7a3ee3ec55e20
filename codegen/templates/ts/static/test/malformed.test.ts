/**
 * Malformed WebSocket-shaped events never make the handler throw and never produce a malformed
 * response: a well-formed 400 naming the bad path (worded as the Python runtime words it), or a 200.
 */

import assert from "node:assert/strict";
import { test } from "node:test";

import { createApp, type ProxyResponse } from "../src/index.js";
import { FakeManagementClient, webSocketEvent } from "../src/testkit.js";

type Event = Record<string, unknown> & { requestContext: Record<string, unknown> };
type Mutation = (event: Event) => void;

const REQUEST_ID = "Yk3xQF1sjoEFT7w=";

function base(kind: "message" | "binary" | "connect" | "disconnect" | "custom-domain"): Event {
  const common = { requestId: REQUEST_ID, connectionId: "Yk3xPdTrDoECJbQ=", stage: "prod" };
  switch (kind) {
    case "message":
      return webSocketEvent("$default", { ...common, body: '{"action":"chat"}' }) as Event;
    case "binary":
      return webSocketEvent("$default", { ...common, body: Uint8Array.from([0, 1, 2, 255]) }) as Event;
    case "connect":
      return webSocketEvent("$connect", {
        ...common,
        headers: { Origin: "https://app.example.com" },
        query: { token: "abc", room: "lobby" },
      }) as Event;
    case "disconnect":
      return webSocketEvent("$disconnect", {
        ...common,
        disconnectStatusCode: 1001,
        disconnectReason: "Going away",
      }) as Event;
    case "custom-domain": {
      const event = webSocketEvent("$default", { ...common, domainName: "ws.example.com", body: "hi" }) as Event;
      event["path"] = "/chat";
      return event;
    }
  }
}

const rc =
  (key: string, value: unknown): Mutation =>
  (event) => {
    event.requestContext[key] = value;
  };
const top =
  (key: string, value: unknown): Mutation =>
  (event) => {
    event[key] = value;
  };
const identity =
  (key: string, value: unknown): Mutation =>
  (event) => {
    (event.requestContext["identity"] as Record<string, unknown>)[key] = value;
  };
const inside =
  (key: string, name: string, value: unknown): Mutation =>
  (event) => {
    (event[key] as Record<string, unknown>)[name] = value;
  };
const invalid = (path: string, problem: string): string => `invalid event: ${path} ${problem}`;

// name -> [base event, mutation, expected 400 message (undefined: the event is still acceptable)]
const CASES: Record<string, [Parameters<typeof base>[0], Mutation, string | undefined]> = {
  "routeKey-number": ["message", rc("routeKey", 5), invalid("requestContext.routeKey", "must be a string")],
  "routeKey-list": ["message", rc("routeKey", ["$default"]), invalid("requestContext.routeKey", "must be a string")],
  "routeKey-dict": [
    "connect",
    rc("routeKey", { k: "$connect" }),
    invalid("requestContext.routeKey", "must be a string"),
  ],
  "routeKey-bool": ["message", rc("routeKey", true), invalid("requestContext.routeKey", "must be a string")],
  "routeKey-null": ["message", rc("routeKey", null), invalid("requestContext.routeKey", "must not be empty")],
  "routeKey-empty": ["message", rc("routeKey", ""), invalid("requestContext.routeKey", "must not be empty")],
  "routeKey-blank": ["message", rc("routeKey", " \t\u3000"), invalid("requestContext.routeKey", "must not be empty")],
  "routeKey-python-space": [
    "message",
    rc("routeKey", "\x1c\x85"),
    invalid("requestContext.routeKey", "must not be empty"),
  ],
  "connectionId-empty": [
    "message",
    rc("connectionId", ""),
    invalid("requestContext.connectionId", "must not be empty"),
  ],
  "connectionId-blank": [
    "disconnect",
    rc("connectionId", "   "),
    invalid("requestContext.connectionId", "must not be empty"),
  ],
  "identity-string": [
    "message",
    rc("identity", "203.0.113.24"),
    invalid("requestContext.identity", "must be a mapping"),
  ],
  "identity-list": [
    "connect",
    rc("identity", ["203.0.113.24"]),
    invalid("requestContext.identity", "must be a mapping"),
  ],
  "identity-number": ["message", rc("identity", 7), invalid("requestContext.identity", "must be a mapping")],
  "sourceIp-number": [
    "message",
    identity("sourceIp", 203),
    invalid("requestContext.identity.sourceIp", "must be a string"),
  ],
  "userAgent-dict": [
    "connect",
    identity("userAgent", { ua: "x" }),
    invalid("requestContext.identity.userAgent", "must be a string"),
  ],
  "stage-number": ["message", rc("stage", 1), invalid("requestContext.stage", "must be a string")],
  "stage-list": ["connect", rc("stage", ["prod"]), invalid("requestContext.stage", "must be a string")],
  "domainName-number": ["message", rc("domainName", 42), invalid("requestContext.domainName", "must be a string")],
  "apiId-bool": ["message", rc("apiId", false), invalid("requestContext.apiId", "must be a string")],
  "eventType-dict": ["message", rc("eventType", {}), invalid("requestContext.eventType", "must be a string")],
  "messageId-number": ["message", rc("messageId", 17), invalid("requestContext.messageId", "must be a string")],
  "disconnectReason-number": [
    "disconnect",
    rc("disconnectReason", 1001),
    invalid("requestContext.disconnectReason", "must be a string"),
  ],
  "headers-list": ["connect", top("headers", [["Host", "x"]]), invalid("headers", "must be a mapping of strings")],
  "headers-string": ["connect", top("headers", "Host: x"), invalid("headers", "must be a mapping of strings")],
  "header-value-number": [
    "connect",
    inside("headers", "X-Forwarded-Port", 443),
    invalid("headers", "must be a mapping of strings"),
  ],
  "header-value-null": [
    "disconnect",
    inside("headers", "x-api-key", null),
    invalid("headers", "must be a mapping of strings"),
  ],
  "header-value-list": [
    "connect",
    inside("headers", "Origin", ["a", "b"]),
    invalid("headers", "must be a mapping of strings"),
  ],
  "multiValueHeaders-values-strings": [
    "connect",
    inside("multiValueHeaders", "Host", "x"),
    invalid("multiValueHeaders", "must be a mapping of string lists"),
  ],
  "multiValueHeaders-items-numbers": [
    "connect",
    inside("multiValueHeaders", "X-Port", [443]),
    invalid("multiValueHeaders", "must be a mapping of string lists"),
  ],
  "multiValueHeaders-list": [
    "disconnect",
    top("multiValueHeaders", [["Host", ["x"]]]),
    invalid("multiValueHeaders", "must be a mapping of string lists"),
  ],
  "query-string": [
    "connect",
    top("queryStringParameters", "token=abc"),
    invalid("queryStringParameters", "must be a mapping of strings"),
  ],
  "query-list": [
    "connect",
    top("queryStringParameters", [["token", "abc"]]),
    invalid("queryStringParameters", "must be a mapping of strings"),
  ],
  "query-value-number": [
    "connect",
    inside("queryStringParameters", "page", 2),
    invalid("queryStringParameters", "must be a mapping of strings"),
  ],
  "multiValueQuery-values-strings": [
    "connect",
    inside("multiValueQueryStringParameters", "room", "lobby"),
    invalid("multiValueQueryStringParameters", "must be a mapping of string lists"),
  ],
  "connectedAt-string": [
    "message",
    rc("connectedAt", "1795675238012"),
    invalid("requestContext.connectedAt", "must be epoch milliseconds"),
  ],
  "connectedAt-true": [
    "message",
    rc("connectedAt", true),
    invalid("requestContext.connectedAt", "must be epoch milliseconds"),
  ],
  "connectedAt-huge-float": [
    "message",
    rc("connectedAt", 1e300),
    invalid("requestContext.connectedAt", "must be epoch milliseconds"),
  ],
  "connectedAt-year-10000": [
    "disconnect",
    rc("connectedAt", 253402300800000),
    invalid("requestContext.connectedAt", "must be epoch milliseconds"),
  ],
  "connectedAt-year-0": [
    "message",
    rc("connectedAt", -62135596800001),
    invalid("requestContext.connectedAt", "must be epoch milliseconds"),
  ],
  "connectedAt-nan": [
    "message",
    rc("connectedAt", Number.NaN),
    invalid("requestContext.connectedAt", "must be epoch milliseconds"),
  ],
  "connectedAt-infinity": [
    "message",
    rc("connectedAt", Number.POSITIVE_INFINITY),
    invalid("requestContext.connectedAt", "must be epoch milliseconds"),
  ],
  "connectedAt-minus-infinity": [
    "connect",
    rc("connectedAt", Number.NEGATIVE_INFINITY),
    invalid("requestContext.connectedAt", "must be epoch milliseconds"),
  ],
  "connectedAt-dict": [
    "message",
    rc("connectedAt", { ms: 1 }),
    invalid("requestContext.connectedAt", "must be epoch milliseconds"),
  ],
  "requestTimeEpoch-string": [
    "message",
    rc("requestTimeEpoch", "26/Nov/2026:06:40:38 +0000"),
    invalid("requestContext.requestTimeEpoch", "must be epoch milliseconds"),
  ],
  "requestTimeEpoch-huge-negative": [
    "message",
    rc("requestTimeEpoch", -1e30),
    invalid("requestContext.requestTimeEpoch", "must be epoch milliseconds"),
  ],
  "isBase64Encoded-string": [
    "message",
    top("isBase64Encoded", "true"),
    invalid("isBase64Encoded", "must be a boolean"),
  ],
  "isBase64Encoded-string-false": [
    "binary",
    top("isBase64Encoded", "false"),
    invalid("isBase64Encoded", "must be a boolean"),
  ],
  "isBase64Encoded-int": ["binary", top("isBase64Encoded", 1), invalid("isBase64Encoded", "must be a boolean")],
  "isBase64Encoded-string-no-body": [
    "connect",
    top("isBase64Encoded", "false"),
    invalid("isBase64Encoded", "must be a boolean"),
  ],
  "body-number": ["message", top("body", 42), invalid("body", "must be a string")],
  "body-dict": ["message", top("body", { action: "chat" }), invalid("body", "must be a string")],
  "body-list-binary": ["binary", top("body", [0, 1, 2]), invalid("body", "must be a string")],
  "body-invalid-base64": ["binary", top("body", "not base64!"), "invalid base64"],
  "body-base64-bad-padding": ["binary", top("body", "AAECAwQ"), "invalid base64"],
  "body-base64-one-pad-short": ["binary", top("body", "AAECAw="), "invalid base64"],
  "body-base64-lone-char": ["binary", top("body", "AAECA"), "invalid base64"],
  "body-base64-with-newline": ["binary", top("body", "AAEC\nAwQF"), "invalid base64"],
  "body-base64-urlsafe": ["binary", top("body", "AA-_"), "invalid base64"],
  "body-base64-padding-after-partial-quad": ["binary", top("body", "AAEC=A=="), "invalid base64"],
  "body-base64-pad-only": ["binary", top("body", "=="), "invalid base64"],
  "body-base64-non-ascii": ["binary", top("body", "AAEC\u00e9AwQ="), "invalid base64"],
  "disconnectStatusCode-string": [
    "disconnect",
    rc("disconnectStatusCode", "1001"),
    invalid("requestContext.disconnectStatusCode", "must be an integer"),
  ],
  "disconnectStatusCode-float": [
    "disconnect",
    rc("disconnectStatusCode", 1001.5),
    invalid("requestContext.disconnectStatusCode", "must be an integer"),
  ],
  "disconnectStatusCode-bool": [
    "disconnect",
    rc("disconnectStatusCode", true),
    invalid("requestContext.disconnectStatusCode", "must be an integer"),
  ],
  "disconnectStatusCode-2^53": [
    "disconnect",
    rc("disconnectStatusCode", 2 ** 53),
    invalid("requestContext.disconnectStatusCode", "must be an integer"),
  ],
  "disconnectStatusCode-minus-2^53": [
    "disconnect",
    rc("disconnectStatusCode", -(2 ** 53)),
    invalid("requestContext.disconnectStatusCode", "must be an integer"),
  ],
  "disconnectStatusCode-huge": [
    "disconnect",
    rc("disconnectStatusCode", 1e300),
    invalid("requestContext.disconnectStatusCode", "must be an integer"),
  ],
  "disconnectStatusCode-infinity": [
    "disconnect",
    rc("disconnectStatusCode", Number.POSITIVE_INFINITY),
    invalid("requestContext.disconnectStatusCode", "must be an integer"),
  ],
  "disconnectStatusCode-nan": [
    "disconnect",
    rc("disconnectStatusCode", Number.NaN),
    invalid("requestContext.disconnectStatusCode", "must be an integer"),
  ],
  "connectedAt-minus-one": [
    "message",
    rc("connectedAt", -1),
    invalid("requestContext.connectedAt", "must be epoch milliseconds"),
  ],
  "connectedAt-fraction": [
    "message",
    rc("connectedAt", 1795675238012.5),
    invalid("requestContext.connectedAt", "must be epoch milliseconds"),
  ],
  "requestTimeEpoch-year-10000": [
    "connect",
    rc("requestTimeEpoch", 253402300800000),
    invalid("requestContext.requestTimeEpoch", "must be epoch milliseconds"),
  ],
  "isBase64Encoded-string-before-bad-body": [
    "message",
    (e) => ((e["isBase64Encoded"] = "true"), (e["body"] = 42)),
    invalid("isBase64Encoded", "must be a boolean"),
  ],
  "isBase64Encoded-int-before-bad-base64": [
    "binary",
    (e) => ((e["isBase64Encoded"] = 1), (e["body"] = "not base64!")),
    invalid("isBase64Encoded", "must be a boolean"),
  ],
  "path-number": ["custom-domain", top("path", 1), invalid("path", "must be a string")],
  "requestId-number": ["message", rc("requestId", 12345), invalid("requestContext.requestId", "must be a string")],
  "requestContext-class-instance-identity": [
    "message",
    rc("identity", new Map([["sourceIp", "x"]])),
    invalid("requestContext.identity", "must be a mapping"),
  ],
  // acceptable oddities: the runtime answers 200 and the handler runs
  "authorizer-list": ["message", rc("authorizer", [1, "two", { three: 3 }]), undefined],
  "authorizer-string": ["connect", rc("authorizer", "allow"), undefined],
  "authorizer-number": ["message", rc("authorizer", 7), undefined],
  "identity-null": ["message", rc("identity", null), undefined],
  "headers-null": ["connect", top("headers", null), undefined],
  "query-null": ["connect", top("queryStringParameters", null), undefined],
  "body-null": ["message", top("body", null), undefined],
  "body-empty-base64": ["binary", top("body", ""), undefined],
  "header-named-__proto__": ["connect", inside("headers", "__proto__", "x"), undefined],
  "unknown-extra-fields": [
    "message",
    (e) => ((e["extra"] = { x: [1] }), (e.requestContext["newField"] = 1)),
    undefined,
  ],
  "requestTime-number-ignored": ["message", rc("requestTime", 123), undefined],
  "disconnectStatusCode-max-safe": ["disconnect", rc("disconnectStatusCode", 2 ** 53 - 1), undefined],
  "disconnectStatusCode-min-safe": ["disconnect", rc("disconnectStatusCode", -(2 ** 53 - 1)), undefined],
  "connectedAt-epoch": ["message", rc("connectedAt", 0), undefined],
  "connectedAt-last-ms-of-9999": ["message", rc("connectedAt", 253402300799999), undefined],
  "requestTimeEpoch-null": ["message", rc("requestTimeEpoch", null), undefined],
  "body-base64-padding-after-full-quad": ["binary", top("body", "AAEC=="), undefined],
};

function assertProxyShape(response: ProxyResponse): void {
  assert.deepEqual(Object.keys(response).sort(), [
    "body",
    "headers",
    "isBase64Encoded",
    "multiValueHeaders",
    "statusCode",
  ]);
  assert.equal(typeof response.statusCode, "number");
  assert.equal(typeof response.body, "string");
  assert.equal(typeof response.isBase64Encoded, "boolean");
  for (const [name, value] of Object.entries(response.headers)) {
    assert.equal(typeof name, "string");
    assert.equal(typeof value, "string");
  }
  for (const values of Object.values(response.multiValueHeaders)) {
    assert.ok(Array.isArray(values) && values.every((v) => typeof v === "string"));
  }
  JSON.parse(JSON.stringify(response));
}

test("there are at least 30 malformed shapes", () => {
  const malformed = Object.values(CASES).filter(([, , expected]) => expected !== undefined);
  assert.ok(malformed.length >= 30, `only ${malformed.length}`);
});

for (const [name, [kind, mutate, expected]] of Object.entries(CASES)) {
  test(`malformed event: ${name}`, async () => {
    const seen: string[] = [];
    const logged: string[] = [];
    const ran: string[] = [];
    const app = createApp({
      webSocketClientFactory: new FakeManagementClient().clientFactory,
      logger: (line) => logged.push(line),
    });
    app.use((next) => (ctx) => {
      ran.push("middleware");
      return next(ctx);
    });
    app.setDefaultHandler((ctx) => {
      const ws = ctx.asWebSocket();
      seen.push(ws.routeKey);
      return { ok: true, authorizer: ws.authorizer, headers: ws.headers };
    });
    const event = base(kind);
    mutate(event);
    const before = structuredClone(event);

    const response = await app.handle(event, { awsRequestId: "lambda-fallback" });

    assertProxyShape(response);
    if (!name.endsWith("nan") && !name.includes("class-instance")) {
      assert.deepEqual(event, before, "the runtime never mutates the event");
    }
    assert.deepEqual(logged, []);
    const body = JSON.parse(response.body) as Record<string, Record<string, unknown>>;
    if (expected === undefined) {
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(seen, [event.requestContext["routeKey"]]);
      return;
    }
    assert.equal(response.statusCode, 400);
    assert.deepEqual(response.headers, { "content-type": "application/json; charset=utf-8" });
    assert.equal(response.isBase64Encoded, false);
    assert.equal(body["error"]?.["code"], "app.bad_request");
    assert.equal(body["error"]?.["message"], expected);
    // A non-string requestId is not used: the Lambda request id answers instead.
    assert.equal(body["error"]?.["request_id"], name === "requestId-number" ? "lambda-fallback" : REQUEST_ID);
    assert.deepEqual(seen, [], "the handler never saw the malformed event");
    assert.deepEqual(ran, [], "middleware never ran");
  });
}

test("a header named __proto__ stays an ordinary header", async () => {
  const app = createApp({ webSocketSupport: true });
  app.webSocket("$connect", (ctx) => ({ names: Object.keys(ctx.asWebSocket().headers) }));
  const event = base("connect");
  Object.defineProperty(event["headers"], "__proto__", { value: "x", enumerable: true });
  const response = await app.handle(event);
  assert.equal(response.statusCode, 200);
  assert.ok((JSON.parse(response.body) as { names: string[] }).names.includes("__proto__"));
});

/** Handle a raw event given as JSON text (as Lambda parses it); the probe handler answers the typed fields. */
async function handleText(text: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const app = createApp({ webSocketClientFactory: new FakeManagementClient().clientFactory });
  app.setDefaultHandler((ctx) => {
    const ws = ctx.asWebSocket();
    return {
      connectedAt: ws.connectedAt === null ? null : ws.connectedAt.toISOString(),
      requestTime: ws.requestTime === null ? null : ws.requestTime.toISOString(),
      disconnectStatusCode: ws.disconnectStatusCode,
    };
  });
  const response = await app.handle(JSON.parse(text), { awsRequestId: "lambda-1" });
  assertProxyShape(response);
  return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
}

function rawEvent(requestContext: Record<string, string>): string {
  const members = Object.entries({
    routeKey: '"$disconnect"',
    eventType: '"DISCONNECT"',
    connectionId: '"c-1"',
    requestId: '"r-1"',
    ...requestContext,
  }).map(([key, raw]) => `"${key}":${raw}`);
  return `{"requestContext":{${members.join(",")}}}`;
}

test("R2: integers are JSON numbers with an integral value within +-(2^53 - 1); 1000.0 is 1000", async () => {
  const accepted: [string, number][] = [
    ["1000", 1000],
    ["1000.0", 1000],
    ["1.0e3", 1000],
    ["10E-1", 1],
    ["9007199254740991", 9007199254740991],
    ["-9007199254740991", -9007199254740991],
    ["-0", 0],
    ["-0.0", 0],
    ["null", 0],
  ];
  for (const [raw, value] of accepted) {
    const { status, body } = await handleText(rawEvent({ disconnectStatusCode: raw }));
    assert.equal(status, 200, raw);
    assert.equal(body["disconnectStatusCode"], value, raw);
    assert.ok(!Object.is(body["disconnectStatusCode"], -0), raw);
  }
  assert.equal((await handleText(rawEvent({}))).body["disconnectStatusCode"], 0);
  for (const raw of [
    "1000.5",
    "9007199254740992",
    "-9007199254740992",
    "12345678901234567890123",
    "1e400",
    "-1e400",
    '"1000"',
    "true",
    "[1000]",
  ]) {
    const { status, body } = await handleText(rawEvent({ disconnectStatusCode: raw }));
    assert.equal(status, 400, raw);
    assert.deepEqual(body, {
      error: {
        code: "app.bad_request",
        message: "invalid event: requestContext.disconnectStatusCode must be an integer",
        request_id: "r-1",
      },
    });
  }
});

test("R3: epoch milliseconds are integral numbers from 0 through 253402300799999, exact to the millisecond", async () => {
  const accepted: [string, string | null][] = [
    ["0", "1970-01-01T00:00:00.000Z"],
    ["-0", "1970-01-01T00:00:00.000Z"],
    ["1795675238012", "2026-11-26T06:40:38.012Z"],
    ["1795675238012.0", "2026-11-26T06:40:38.012Z"],
    ["253402300799999", "9999-12-31T23:59:59.999Z"],
    ["253402300799999.0", "9999-12-31T23:59:59.999Z"],
    ["2.53402300799999e14", "9999-12-31T23:59:59.999Z"],
    ["1", "1970-01-01T00:00:00.001Z"],
    ["null", null],
  ];
  for (const field of ["connectedAt", "requestTimeEpoch"]) {
    const name = field === "connectedAt" ? "connectedAt" : "requestTime";
    for (const [raw, iso] of accepted) {
      const { status, body } = await handleText(rawEvent({ [field]: raw }));
      assert.equal(status, 200, `${field} ${raw}`);
      assert.equal(body[name], iso, `${field} ${raw}`);
    }
    assert.equal((await handleText(rawEvent({}))).body[name], null);
    for (const raw of [
      "-1",
      "253402300800000",
      "1795675238012.5",
      "0.5",
      "-62135596800000",
      "1e400",
      '"1795675238012"',
      "false",
      "{}",
    ]) {
      const { status, body } = await handleText(rawEvent({ [field]: raw }));
      assert.equal(status, 400, `${field} ${raw}`);
      assert.equal(
        (body["error"] as Record<string, unknown>)["message"],
        `invalid event: requestContext.${field} must be epoch milliseconds`,
      );
    }
  }
});

test("R1: the first failure in IDL order answers (containers first, the base64 flag before the body)", async () => {
  const cases: [Record<string, unknown>, Record<string, unknown>, string][] = [
    [{ identity: "x", requestId: 7 }, {}, invalid("requestContext.identity", "must be a mapping")],
    [{ identity: [], connectedAt: -1 }, {}, invalid("requestContext.identity", "must be a mapping")],
    [{ identity: 5, routeKey: "" }, {}, invalid("requestContext.identity", "must be a mapping")],
    [{ identity: null, connectedAt: -1 }, {}, invalid("requestContext.connectedAt", "must be epoch milliseconds")],
    [{ stage: 1, requestId: 2 }, {}, invalid("requestContext.stage", "must be a string")],
    [
      { connectedAt: "x", requestTimeEpoch: "y" },
      {},
      invalid("requestContext.connectedAt", "must be epoch milliseconds"),
    ],
    [
      { requestTimeEpoch: -1, identity: { sourceIp: 1 } },
      {},
      invalid("requestContext.requestTimeEpoch", "must be epoch milliseconds"),
    ],
    [
      { identity: { sourceIp: 1, userAgent: 2 } },
      { headers: 5 },
      invalid("requestContext.identity.sourceIp", "must be a string"),
    ],
    [{ identity: { userAgent: 2 } }, { headers: 5 }, invalid("requestContext.identity.userAgent", "must be a string")],
    [{}, { headers: { a: 1 }, multiValueHeaders: 5 }, invalid("headers", "must be a mapping of strings")],
    [
      {},
      { multiValueHeaders: 5, queryStringParameters: 5 },
      invalid("multiValueHeaders", "must be a mapping of string lists"),
    ],
    [{ authorizer: 5, disconnectReason: 5 }, { path: 5 }, invalid("path", "must be a string")],
    [{}, { path: 5, body: 5 }, invalid("path", "must be a string")],
    [{}, { isBase64Encoded: "true", body: 5 }, invalid("isBase64Encoded", "must be a boolean")],
    [{}, { isBase64Encoded: "x", body: null }, invalid("isBase64Encoded", "must be a boolean")],
    [{}, { isBase64Encoded: true, body: 5 }, invalid("body", "must be a string")],
    [{ disconnectStatusCode: "x" }, { isBase64Encoded: true, body: "!!" }, "invalid base64"],
    [
      { disconnectStatusCode: "x", disconnectReason: 5 },
      {},
      invalid("requestContext.disconnectStatusCode", "must be an integer"),
    ],
  ];
  for (const [requestContext, topLevel, expected] of cases) {
    const event = base("disconnect");
    Object.assign(event.requestContext, requestContext);
    Object.assign(event, topLevel);
    const app = createApp({ webSocketClientFactory: new FakeManagementClient().clientFactory });
    app.setDefaultHandler(() => ({ ok: true }));
    const response = await app.handle(event);
    assertProxyShape(response);
    assert.equal(response.statusCode, 400, JSON.stringify([requestContext, topLevel]));
    const body = JSON.parse(response.body) as { error: { message: string } };
    assert.equal(body.error.message, expected, JSON.stringify([requestContext, topLevel]));
  }
});
