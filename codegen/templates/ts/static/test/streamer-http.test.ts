/**
 * newClient's real SDK client (@aws-sdk/client-apigatewaymanagementapi) against a local HTTP server
 * that answers as the management API does: connection state (unknown or deleted ids are 410
 * GoneException), injected AWS REST-JSON errors (`x-amzn-ErrorType`, `x-amzn-RequestId`,
 * `{"message": ...}`), and every request recorded, so payload bytes and retries are checked on the wire.
 * Nothing in the SDK is patched: its standard retryer sleeps its real backoff.
 */

import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Socket } from "node:net";
import { after, before, beforeEach, describe, test } from "node:test";

import * as constants from "../src/generated/constants.js";
import {
  DeadlineExceededError,
  ForbiddenError,
  GoneError,
  InvalidConnectionError,
  MalformedResponseError,
  ManagementError,
  NetworkError,
  PayloadTooLargeError,
  ServerError,
  ThrottledError,
  newClient,
  type ManagementClient,
  type SdkManagementClient,
} from "../src/streamer.js";

const MAX_ATTEMPTS = constants.MANAGEMENT_MAX_ATTEMPTS;
const CID = "L0SM9cOFvHcCIhw=";
const CID_IN_PATH = "L0SM9cOFvHcCIhw%3D";
const CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };
const ROUTE = /^\/(?<stage>[^?]+)\/@connections\/(?<id>[^/?]+)$/;

interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

interface Failure {
  readonly status: number;
  readonly errorType: string | undefined;
  readonly message: string;
}

interface Connection {
  readonly connectedAt: string;
  readonly lastActiveAt: string;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly received: Buffer[];
}

/** A local stand-in for https://{api}.execute-api.{region}.amazonaws.com. */
class ManagementApiServer {
  readonly requests: Recorded[] = [];
  readonly requestIds: string[] = [];
  readonly connections = new Map<string, Connection>();
  failure: Failure | undefined;
  getBody: Buffer | undefined;
  readonly #server: Server;

  constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        const requestId = `req-${this.requests.length + 1}`;
        this.requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body });
        this.requestIds.push(requestId);
        const send = (status: number, payload: string, headers: Record<string, string>): void => {
          res.writeHead(status, { "x-amzn-RequestId": requestId, ...headers });
          res.end(payload);
        };
        const error = (failure: Failure): void => {
          const headers: Record<string, string> = { "content-type": "application/json" };
          if (failure.errorType !== undefined) headers["x-amzn-ErrorType"] = failure.errorType;
          send(failure.status, JSON.stringify({ message: failure.message }), headers);
        };
        if (this.failure !== undefined) return error(this.failure);
        const match = ROUTE.exec(req.url ?? "");
        if (match === null) return error({ status: 403, errorType: "ForbiddenException", message: "Forbidden" });
        const id = decodeURIComponent(match.groups?.["id"] ?? "");
        const conn = this.connections.get(id);
        if (conn === undefined) {
          return error({ status: 410, errorType: "GoneException", message: `connection ${id} is gone` });
        }
        if (req.method === "GET" && this.getBody !== undefined) {
          return send(200, this.getBody as unknown as string, { "content-type": "application/json" });
        }
        if (req.method === "GET") {
          const doc = {
            connectedAt: conn.connectedAt,
            identity: { sourceIp: conn.sourceIp, userAgent: conn.userAgent },
            lastActiveAt: conn.lastActiveAt,
          };
          return send(200, JSON.stringify(doc), { "content-type": "application/json" });
        }
        if (req.method === "DELETE") {
          this.connections.delete(id);
          return send(204, "", {});
        }
        conn.received.push(body);
        return send(200, "", {});
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  endpoint(stage = "dev"): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/${stage}`;
  }

  connect(id: string, info: Partial<Omit<Connection, "received">> = {}): Connection {
    const conn: Connection = {
      connectedAt: info.connectedAt ?? "2026-11-26T06:40:38.012Z",
      lastActiveAt: info.lastActiveAt ?? "2026-11-26T06:41:02.500Z",
      sourceIp: info.sourceIp ?? "203.0.113.7",
      userAgent: info.userAgent ?? "Mozilla/5.0 (X11; Linux x86_64)",
      received: [],
    };
    this.connections.set(id, conn);
    return conn;
  }

  reset(): void {
    this.requests.length = 0;
    this.requestIds.length = 0;
    this.connections.clear();
    this.failure = undefined;
    this.getBody = undefined;
  }
}

const METHODS = { post_to_connection: "POST", get_connection: "GET", delete_connection: "DELETE" } as const;
type Op = keyof typeof METHODS;

async function call(client: ManagementClient, op: Op, connectionId = CID): Promise<unknown> {
  if (op === "post_to_connection") return client.postToConnection(connectionId, Buffer.from("hello"));
  if (op === "get_connection") return client.getConnection(connectionId);
  return client.deleteConnection(connectionId);
}

function sdkRequest(req: Recorded): Record<string, string> {
  const header = String(req.headers["amz-sdk-request"] ?? "");
  return Object.fromEntries(header.split(";").map((part) => part.trim().split("=", 2) as [string, string]));
}

async function rejection(promise: Promise<unknown>): Promise<ManagementError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ManagementError, `expected a ManagementError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected the call to fail");
}

describe("streamer against a local management API", () => {
  const server = new ManagementApiServer();
  let client: SdkManagementClient;
  const saved = { ...process.env };

  before(async () => {
    for (const name of ["AWS_PROFILE", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS", "HTTP_PROXY", "HTTPS_PROXY"]) {
      delete process.env[name];
    }
    process.env["AWS_CONFIG_FILE"] = "/nonexistent/aws-config";
    process.env["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/aws-credentials";
    await server.start();
  });
  after(async () => {
    await server.stop();
    process.env = saved;
  });
  beforeEach(() => {
    server.reset();
    client = newClient({ endpoint: server.endpoint("dev"), region: "us-east-1", credentials: CREDENTIALS });
  });

  const payloads: [string, Buffer][] = [
    ["json", Buffer.from('{"type":"hello","n":1}')],
    ["non-utf8", Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x20, 0xc3, 0x28, 0x0d, 0x0a])],
    [
      "exact-limit-131072",
      Buffer.alloc(constants.MESSAGE_BYTES, Buffer.from(Array.from({ length: 256 }, (_, i) => i))),
    ],
  ];
  for (const [name, payload] of payloads) {
    test(`posted payload arrives byte-exact: ${name}`, async () => {
      const conn = server.connect(CID);
      await client.postToConnection(CID, payload);
      assert.deepEqual(conn.received, [payload]);
      const [req] = server.requests;
      assert.ok(req !== undefined && server.requests.length === 1);
      assert.equal(req.method, "POST");
      assert.equal(req.path, `/dev/@connections/${CID_IN_PATH}`);
      assert.ok(req.body.equals(payload));
      assert.equal(Number(req.headers["content-length"]), payload.length);
      assert.match(String(req.headers["authorization"]), /\/us-east-1\/execute-api\/aws4_request/);
    });
  }

  for (const op of Object.keys(METHODS) as Op[]) {
    for (const [stage, id, rawPath] of [
      ["dev", "L0SM9cOFvHcCIhw=", "/dev/@connections/L0SM9cOFvHcCIhw%3D"],
      ["prod", "Rz/a+b==", "/prod/@connections/Rz%2Fa%2Bb%3D%3D"],
      ["v1/live", "plainId123", "/v1/live/@connections/plainId123"],
    ] as const) {
      test(`${op} path holds the stage and the encoded id (${stage}, ${id})`, async () => {
        server.connect(id);
        const other = newClient({ endpoint: server.endpoint(stage), region: "us-east-1", credentials: CREDENTIALS });
        await call(other, op, id);
        assert.deepEqual(
          server.requests.map((r) => [r.method, r.path]),
          [[METHODS[op], rawPath]],
        );
      });
    }
  }

  test("the SDK announces the IDL's attempt count", async () => {
    server.connect(CID);
    await client.postToConnection(CID, Buffer.from("x"));
    assert.deepEqual(sdkRequest(server.requests[0] as Recorded), { attempt: "1", max: String(MAX_ATTEMPTS) });
  });

  test("a trailing slash on the endpoint is ignored", async () => {
    server.connect(CID);
    const slashed = newClient({
      endpoint: `${server.endpoint("dev")}/`,
      region: "us-east-1",
      credentials: CREDENTIALS,
    });
    assert.equal(slashed.endpoint, server.endpoint("dev"));
    await slashed.deleteConnection(CID);
    assert.deepEqual(
      server.requests.map((r) => r.path),
      [`/dev/@connections/${CID_IN_PATH}`],
    );
  });

  test("getConnection parses timestamps into Dates and the identity", async () => {
    server.connect(CID, {
      connectedAt: "2026-11-26T06:40:38.012Z",
      lastActiveAt: "2026-11-26T06:41:02.500Z",
      sourceIp: "198.51.100.23",
      userAgent: "Mozilla/5.0 (Macintosh) Safari/605.1.15",
    });
    const info = await client.getConnection(CID);
    assert.ok(info.connectedAt instanceof Date && info.lastActiveAt instanceof Date);
    assert.deepEqual(info, {
      connectedAt: new Date("2026-11-26T06:40:38.012Z"),
      lastActiveAt: new Date("2026-11-26T06:41:02.500Z"),
      sourceIp: "198.51.100.23",
      userAgent: "Mozilla/5.0 (Macintosh) Safari/605.1.15",
    });
    const [req] = server.requests;
    assert.deepEqual([req?.method, req?.path, req?.body.length], ["GET", `/dev/@connections/${CID_IN_PATH}`, 0]);
  });

  test("delete, then the connection is gone", async () => {
    server.connect(CID);
    await client.deleteConnection(CID);
    assert.ok(!server.connections.has(CID));
    const err = await rejection(client.postToConnection(CID, Buffer.from("late")));
    assert.ok(err instanceof GoneError);
    assert.equal(err.status, 410);
    assert.deepEqual(
      server.requests.map((r) => r.method),
      ["DELETE", "POST"],
    );
  });

  test("an unknown connection is gone (never retried); deleting it is success", async () => {
    for (const op of ["post_to_connection", "get_connection"] as const) {
      const err = await rejection(call(client, op, "nobody="));
      assert.ok(err instanceof GoneError);
      assert.equal(err.operation, op);
      assert.equal(err.connectionId, "nobody=");
      assert.match(err.message, /connection nobody= is gone/);
    }
    assert.equal(await client.deleteConnection("nobody="), undefined);
    assert.deepEqual(
      server.requests.map((r) => r.method),
      ["POST", "GET", "DELETE"],
    );
  });

  test("delete is idempotent: a 410 on DELETE resolves, other errors stay typed", async () => {
    server.connect(CID);
    await client.deleteConnection(CID);
    await client.deleteConnection(CID);
    server.failure = { status: 410, errorType: "GoneException", message: "gone" };
    await client.deleteConnection(CID);
    server.failure = { status: 403, errorType: "ForbiddenException", message: "no" };
    assert.ok((await rejection(client.deleteConnection(CID))) instanceof ForbiddenError);
    assert.deepEqual(
      server.requests.map((r) => [r.method, r.path]),
      Array.from({ length: 4 }, () => ["DELETE", `/dev/@connections/${CID_IN_PATH}`]),
    );
  });

  for (const id of ["", " ", "\t\n", "\u3000\u2028", "\x85"]) {
    test(`a blank connection id ${JSON.stringify(id)} fails locally on every operation, no request`, async () => {
      server.connect(CID);
      for (const op of Object.keys(METHODS) as Op[]) {
        const err = await rejection(call(client, op, id));
        assert.equal(err.constructor, InvalidConnectionError);
        assert.equal(err.name, "InvalidConnectionError");
        assert.equal(err.operation, op);
        assert.equal(err.connectionId, id);
        assert.equal(err.status, 0);
        assert.equal(err.awsCode, "");
        assert.equal(err.retryable, false);
        assert.ok(err.message.startsWith(`${op} `) && err.message.endsWith(": connection id is empty"), err.message);
      }
      // Even an oversize payload: the id is checked first.
      const big = Buffer.alloc(constants.MESSAGE_BYTES + 1);
      assert.ok((await rejection(client.postToConnection(id, big))) instanceof InvalidConnectionError);
      assert.deepEqual(server.requests, []);
    });
  }

  test("ids that are not blank by Unicode White_Space reach the network", async () => {
    for (const id of ["\ufeff", "\x1c", "a "]) {
      server.connect(id);
      await client.postToConnection(id, Buffer.from("x"));
    }
    assert.equal(server.requests.length, 3);
  });

  // (operation, status, x-amzn-ErrorType, error class, retryable, requests the server sees)
  const errorCases: [Op, number, string, typeof ManagementError, boolean, number][] = [
    ...(Object.keys(METHODS) as Op[]).map((op): [Op, number, string, typeof ManagementError, boolean, number] => [
      op,
      410,
      "GoneException",
      GoneError,
      false,
      1,
    ]),
    ...(Object.keys(METHODS) as Op[]).map((op): [Op, number, string, typeof ManagementError, boolean, number] => [
      op,
      403,
      "ForbiddenException",
      ForbiddenError,
      false,
      1,
    ]),
    ["post_to_connection", 413, "PayloadTooLargeException", PayloadTooLargeError, false, 1],
    ["get_connection", 500, "InternalServerErrorException", ServerError, true, MAX_ATTEMPTS],
    ["post_to_connection", 429, "LimitExceededException", ThrottledError, true, MAX_ATTEMPTS],
  ];
  for (const [op, status, errorType, errorClass, retryable, attempts] of errorCases) {
    // delete_connection's 410 is success (the IDL's gone_is_success), tested above.
    if (op === "delete_connection" && status === 410) continue;
    for (const suffixed of [false, true]) {
      if (suffixed && status !== 410 && status !== 413) continue;
      const label = `${op} ${status} ${errorType}${suffixed ? " (suffixed type)" : ""}`;
      test(`AWS error becomes a typed error: ${label}`, async () => {
        server.connect(CID);
        const type = suffixed
          ? `${errorType}:http://internal.amazon.com/coral/com.amazonaws.apigateway.management/`
          : errorType;
        server.failure = { status, errorType: type, message: `${errorType}: as AWS says it` };

        const err = await rejection(call(client, op));

        assert.ok(err instanceof errorClass, `${err.name} is not a ${errorClass.name}`);
        assert.equal(err.constructor, errorClass);
        assert.equal(err.name, errorClass.name);
        assert.equal(err.operation, op);
        assert.equal(err.connectionId, CID);
        assert.equal(err.status, status);
        assert.equal(err.awsCode, errorType);
        assert.equal(err.retryable, retryable);
        assert.match(err.message, new RegExp(`${errorType}: as AWS says it`));
        // The SDK's own error, untouched, is the cause: nothing is parsed out of a string.
        const cause = err.cause as {
          name: string;
          $metadata: { httpStatusCode: number; requestId: string; attempts: number };
        };
        assert.ok(cause instanceof Error);
        assert.equal(cause.name, errorType);
        assert.equal(cause.$metadata.httpStatusCode, status);
        assert.equal(cause.$metadata.requestId, server.requestIds[server.requestIds.length - 1]);
        assert.equal(cause.$metadata.attempts, attempts);
        // Retryable errors are retried by the SDK's standard retryer up to the IDL's attempt count.
        assert.equal(server.requests.length, attempts);
        assert.deepEqual(
          server.requests.map((r) => sdkRequest(r)["attempt"]),
          Array.from({ length: attempts }, (_, i) => String(i + 1)),
        );
        assert.ok(
          server.requests.every((r) => r.method === METHODS[op] && r.path === `/dev/@connections/${CID_IN_PATH}`),
        );
      });
    }
  }

  test("a server-side 413 for a payload under the local limit", async () => {
    server.connect(CID);
    server.failure = { status: 413, errorType: "PayloadTooLargeException", message: "Message too long" };
    const payload = Buffer.alloc(constants.MESSAGE_BYTES, 0x78);
    const err = await rejection(client.postToConnection(CID, payload));
    assert.ok(err instanceof PayloadTooLargeError);
    assert.ok(err.cause instanceof Error);
    assert.equal(server.requests.length, 1);
    assert.ok(server.requests[0]?.body.equals(payload));
  });

  test("an oversize payload is never sent", async () => {
    const conn = server.connect(CID);
    const err = await rejection(client.postToConnection(CID, Buffer.alloc(constants.MESSAGE_BYTES + 1)));
    assert.ok(err instanceof PayloadTooLargeError);
    assert.equal(err.status, 413);
    assert.equal(err.awsCode, "PayloadTooLargeException");
    assert.equal(err.cause, undefined);
    assert.deepEqual(server.requests, []);
    assert.deepEqual(conn.received, []);
  });

  for (const [status, errorClass, retryable, attempts] of [
    [410, GoneError, false, 1],
    [403, ForbiddenError, false, 1],
    [503, ServerError, true, MAX_ATTEMPTS],
    [400, ManagementError, false, 1],
  ] as const) {
    test(`an error without an error type maps by status: ${status}`, async () => {
      server.failure = { status, errorType: undefined, message: "upstream trouble" };
      const err = await rejection(client.getConnection(CID));
      assert.equal(err.constructor, errorClass);
      assert.equal(err.status, status);
      assert.equal(err.retryable, retryable);
      assert.ok(err.cause instanceof Error);
      assert.equal(server.requests.length, attempts);
    });
  }

  test("connection refused is a NetworkError with status 0", async () => {
    const closed = new ManagementApiServer();
    await closed.start();
    const endpoint = closed.endpoint("dev");
    await closed.stop();
    const refused = newClient({ endpoint, region: "us-east-1", credentials: CREDENTIALS });
    const err = await rejection(refused.deleteConnection(CID));
    assert.equal(err.constructor, NetworkError);
    assert.equal(err.retryable, true);
    assert.equal(err.operation, "delete_connection");
    assert.equal(err.connectionId, CID);
    assert.equal(err.status, 0);
    assert.equal(err.awsCode, "");
    assert.ok(err.cause instanceof Error);
  });

  const malformed: [string, Buffer, string][] = [
    ["not-utf8", Buffer.from([0xff, 0xfe, 0x7b, 0x7d]), "body is not UTF-8"],
    [
      "truncated",
      Buffer.from('{"connectedAt": "2026-11-26T06:40:38.012Z", "identity": {"sourceIp": "203.0'),
      "body is not JSON",
    ],
    ["empty", Buffer.alloc(0), "body is not JSON"],
    ["html", Buffer.from("<html>Bad gateway</html>"), "body is not JSON"],
    ["nan", Buffer.from('{"connectedAt": NaN}'), "body is not JSON"],
    ["array", Buffer.from("[]"), "body is not a JSON object"],
    ["boolean", Buffer.from('{"connectedAt": true}'), "connectedAt is not a timestamp"],
    ["not-a-date", Buffer.from('{"connectedAt": "yesterday"}'), "connectedAt is not a timestamp"],
    ["month-13", Buffer.from('{"lastActiveAt": "2026-13-01T00:00:00Z"}'), "lastActiveAt is not a timestamp"],
    ["identity-string", Buffer.from('{"identity": "203.0.113.7"}'), "identity is not an object"],
    ["ip-number", Buffer.from('{"identity": {"sourceIp": 7}}'), "identity.sourceIp is not a string"],
    ["ua-list", Buffer.from('{"identity": {"userAgent": ["x"]}}'), "identity.userAgent is not a string"],
  ];
  for (const [name, body, problem] of malformed) {
    test(`a malformed getConnection body is a MalformedResponseError: ${name}`, async () => {
      server.connect(CID);
      server.getBody = body;
      const err = await rejection(client.getConnection(CID));
      assert.equal(err.constructor, MalformedResponseError);
      assert.deepEqual(
        [err.operation, err.connectionId, err.status, err.awsCode, err.retryable],
        ["get_connection", CID, 200, "", false],
      );
      assert.ok(err.message.endsWith(`malformed response: ${problem}`), err.message);
      assert.ok(err.cause instanceof Error);
      assert.equal(server.requests.length, 1);
    });
  }

  test("well-formed bodies with absent or null members parse", async () => {
    server.connect(CID);
    for (const body of [
      "{}",
      '{"connectedAt": null, "identity": null, "extra": [1, {"x": 2}]}',
      '{"connectedAt": "2026-11-26T07:40:38.012345678+01:00"}',
    ]) {
      server.getBody = Buffer.from(body);
      assert.equal((await client.getConnection(CID)).sourceIp, "");
    }
  });

  test("newClient rejects an endpoint that is not an http(s) URL", () => {
    for (const endpoint of ["", "ftp://x/y", "not a url", "wss://abc.execute-api.us-east-1.amazonaws.com/dev"]) {
      assert.throws(() => newClient({ endpoint }), TypeError);
    }
  });

  test("newClient takes the region from an execute-api host", async () => {
    const derived = newClient({
      endpoint: "https://abc.execute-api.eu-west-2.amazonaws.com/dev",
      credentials: CREDENTIALS,
    });
    assert.equal(await (await derived.sdkClient()).config.region(), "eu-west-2");
  });
});

// Hostile endpoints: every call ends with a typed error within its deadline.
const SHORT = { connectTimeoutMs: 300, readTimeoutMs: 500, callDeadlineMs: 1500 } as const;
// A hang guard, not a performance claim: generous for a loaded CI machine.
const MARGIN_MS = 3000;

/** Reads each request's head, then: silent never answers; drip sends a 1 MB body one byte per 100 ms;
 * drip-head sends the head one byte per 100 ms; reset closes with a TCP RST. */
async function hostile(mode: string): Promise<{ endpoint: string; accepted: () => number; stop: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let accepted = 0;
  const srv = createTcpServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on("error", () => undefined);
    let head = "";
    const onData = (chunk: Buffer): void => {
      head += chunk.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      if (mode === "reset") return void socket.resetAndDestroy();
      let data = "";
      if (mode === "drip") {
        socket.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n");
        data = "{" + " ".repeat(999_999);
      } else if (mode === "drip-head") {
        data = "HTTP/1.1 200 OK\r\nX-Slow: " + "a".repeat(1000);
      }
      let i = 0;
      const timer = setInterval(() => {
        if (i < data.length && !socket.destroyed) socket.write(data[i++] as string);
      }, 100);
      timers.add(timer);
    };
    socket.on("data", onData);
  });
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/dev`,
    accepted: () => accepted,
    stop: async () => {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => srv.close(() => resolve()));
    },
  };
}

describe("streamer against hostile endpoints", () => {
  for (const mode of ["silent", "drip", "drip-head"]) {
    for (const op of Object.keys(METHODS) as Op[]) {
      test(`${mode} ${op}: DeadlineExceededError within the deadline`, async () => {
        const srv = await hostile(mode);
        try {
          const c = newClient({ endpoint: srv.endpoint, region: "us-east-1", credentials: CREDENTIALS, ...SHORT });
          const start = performance.now();
          const err = await rejection(call(c, op));
          const elapsed = performance.now() - start;
          assert.equal(err.constructor, DeadlineExceededError);
          assert.ok(err instanceof NetworkError);
          assert.deepEqual(
            [err.operation, err.connectionId, err.status, err.awsCode, err.retryable],
            [op, CID, 0, "", true],
          );
          assert.ok(err.cause !== undefined);
          assert.ok(elapsed < SHORT.callDeadlineMs + MARGIN_MS, `took ${elapsed} ms`);
          assert.ok(srv.accepted() >= 1);
        } finally {
          await srv.stop();
        }
      });
    }
  }

  for (const op of Object.keys(METHODS) as Op[]) {
    test(`reset ${op}: NetworkError within the deadline`, async () => {
      const srv = await hostile("reset");
      try {
        const c = newClient({ endpoint: srv.endpoint, region: "us-east-1", credentials: CREDENTIALS, ...SHORT });
        const start = performance.now();
        const err = await rejection(call(c, op));
        assert.ok(err instanceof NetworkError, `${err.name}: ${err.message}`);
        assert.deepEqual([err.status, err.retryable], [0, true]);
        assert.ok(performance.now() - start < SHORT.callDeadlineMs + MARGIN_MS);
      } finally {
        await srv.stop();
      }
    });
  }

  test("an unresolvable host is a NetworkError within the deadline", async () => {
    const c = newClient({
      endpoint: "http://management.invalid/dev",
      region: "us-east-1",
      credentials: CREDENTIALS,
      ...SHORT,
    });
    const start = performance.now();
    const err = await rejection(c.getConnection(CID));
    assert.ok(err instanceof NetworkError, `${err.name}: ${err.message}`);
    assert.ok(performance.now() - start < SHORT.callDeadlineMs + MARGIN_MS);
  });

  test("the IDL's timeouts are well under API Gateway's 29 s", () => {
    assert.ok(constants.MANAGEMENT_CONNECT_TIMEOUT_MS <= constants.MANAGEMENT_CALL_DEADLINE_MS);
    assert.ok(constants.MANAGEMENT_READ_TIMEOUT_MS <= constants.MANAGEMENT_CALL_DEADLINE_MS);
    assert.ok(constants.MANAGEMENT_CALL_DEADLINE_MS < 29_000);
    assert.throws(() => newClient({ endpoint: "http://127.0.0.1:1/dev", callDeadlineMs: 0 }), RangeError);
  });
});
