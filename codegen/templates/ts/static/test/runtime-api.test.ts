/**
 * The Runtime API loop against a local HTTP server that answers as Lambda's Runtime API does: queued
 * invocations handed out by a long-polled GET invocation/next (with the Lambda-Runtime-* headers),
 * and every POST to response, error and init/error recorded with its headers.
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { test } from "node:test";

import { createApp } from "../src/index.js";
import { RuntimeApiError, serve, type RuntimeContext, type RuntimeHandler } from "../src/runtime-api.js";
import { webSocketEvent } from "../src/testkit.js";

const PREFIX = "/2018-06-01/runtime/";
const ARN = "arn:aws:lambda:us-east-1:123456789012:function:chat";
const TIMEOUT = { timeout: 15_000 };

interface Queued {
  readonly requestId: string;
  readonly body: string;
  readonly headers: Record<string, string>;
}

interface Posted {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A local stand-in for the Runtime API at AWS_LAMBDA_RUNTIME_API. */
class FakeRuntimeApi {
  readonly posted: Posted[] = [];
  readonly nextRequests: IncomingHttpHeaders[] = [];
  /** Status answered to GET invocation/next (200: hand out an invocation). */
  nextStatus = 200;
  resets = 0;
  /** Status answered to POST .../response. */
  responseStatus = 202;
  /** Reset a kept-alive connection when its next request arrives (the server closed it meanwhile). */
  resetReusedConnections = false;
  readonly #served = new WeakMap<Socket, number>();
  readonly #queue: Queued[] = [];
  readonly #waiting: ServerResponse[] = [];
  readonly #sockets = new Set<Socket>();
  readonly #listeners: (() => void)[] = [];
  readonly #server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const served = this.#served.get(req.socket) ?? 0;
      this.#served.set(req.socket, served + 1);
      if (this.resetReusedConnections && served > 0) {
        this.resets++;
        req.socket.destroy();
        return;
      }
      this.#route(req.method ?? "", req.url ?? "", req.headers, Buffer.concat(chunks), res);
    });
  });

  async start(): Promise<string> {
    this.#server.on("connection", (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    return `127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  enqueue(requestId: string, event: unknown, headers: Record<string, string> = {}): void {
    const body = typeof event === "string" ? event : JSON.stringify(event);
    this.#queue.push({ requestId, body, headers });
    this.#flush();
  }

  /** Resolves once a GET invocation/next is waiting. */
  async waitForPoll(): Promise<void> {
    while (this.#waiting.length === 0) {
      await new Promise<void>((resolve) => this.#listeners.push(resolve));
    }
  }

  #notify(): void {
    for (const listener of this.#listeners.splice(0)) listener();
  }

  #flush(): void {
    while (this.#queue.length > 0 && this.#waiting.length > 0) {
      const inv = this.#queue.shift() as Queued;
      const res = this.#waiting.shift() as ServerResponse;
      this.#answer(res, 200, inv.body, {
        "Content-Type": "application/json",
        "Lambda-Runtime-Aws-Request-Id": inv.requestId,
        "Lambda-Runtime-Deadline-Ms": String(Date.now() + 30_000),
        "Lambda-Runtime-Invoked-Function-Arn": ARN,
        "Lambda-Runtime-Trace-Id": `Root=1-00000000-${inv.requestId};Sampled=0`,
        ...inv.headers,
      });
    }
  }

  #answer(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { "Content-Type": "application/json", ...headers });
    res.end(body);
  }

  #route(method: string, url: string, headers: IncomingHttpHeaders, body: Buffer, res: ServerResponse): void {
    const path = url.startsWith(PREFIX) ? url.slice(PREFIX.length) : url;
    if (method === "GET" && path === "invocation/next") {
      this.nextRequests.push(headers);
      if (this.nextStatus !== 200) {
        this.#answer(res, this.nextStatus, '{"errorType":"ContainerError"}');
        return;
      }
      res.on("close", () => {
        const index = this.#waiting.indexOf(res);
        if (index >= 0) this.#waiting.splice(index, 1);
      });
      this.#waiting.push(res);
      this.#flush();
      this.#notify();
      return;
    }
    if (method === "POST" && /^(init\/error|invocation\/[^/]+\/(response|error))$/.test(path)) {
      this.posted.push({ path, headers, body: body.toString("utf8") });
      const status = path.endsWith("/response") ? this.responseStatus : 202;
      this.#answer(res, status, '{"status":"OK"}');
      this.#notify();
      return;
    }
    this.#answer(res, 404, '{"errorType":"InvalidRequest"}');
  }
}

async function withApi(fn: (api: FakeRuntimeApi, address: string) => Promise<void>): Promise<void> {
  const api = new FakeRuntimeApi();
  const address = await api.start();
  try {
    await fn(api, address);
  } finally {
    await api.stop();
  }
}

const quiet = (): void => undefined;

test("results are posted as JSON to invocation/{id}/response, one invocation at a time", TIMEOUT, async () => {
  await withApi(async (api, address) => {
    const seen: RuntimeContext[] = [];
    let running = 0;
    const handler: RuntimeHandler = async (event, context) => {
      assert.equal(++running, 1);
      seen.push(context);
      assert.equal(process.env["_X_AMZN_TRACE_ID"], context.traceId);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      return (event as { n: number }).n === 2
        ? undefined
        : { got: event, remaining: context.getRemainingTimeInMillis() };
    };
    api.enqueue("req-1", { n: 1 });
    api.enqueue("req-2", { n: 2 }, { "Lambda-Runtime-Client-Context": '{"custom":{"k":"v"}}' });
    api.enqueue("req-3", [1, "ü"]);
    await serve(handler, { runtimeApi: address, maxInvocations: 3 });

    assert.deepEqual(
      api.posted.map((p) => p.path),
      ["invocation/req-1/response", "invocation/req-2/response", "invocation/req-3/response"],
    );
    const first = JSON.parse(api.posted[0]?.body ?? "") as { got: unknown; remaining: number };
    assert.deepEqual(first.got, { n: 1 });
    assert.ok(first.remaining > 20_000 && first.remaining <= 30_000, String(first.remaining));
    assert.equal(api.posted[1]?.body, "null"); // undefined is posted as null
    assert.deepEqual((JSON.parse(api.posted[2]?.body ?? "") as { got: unknown }).got, [1, "ü"]);
    assert.equal(api.posted[0]?.headers["content-type"], "application/json");

    assert.deepEqual(
      seen.map((c) => c.awsRequestId),
      ["req-1", "req-2", "req-3"],
    );
    const [ctx, ctx2] = seen;
    assert.equal(ctx?.invokedFunctionArn, ARN);
    assert.equal(ctx?.traceId, "Root=1-00000000-req-1;Sampled=0");
    assert.equal(ctx?.clientContext, undefined);
    assert.deepEqual(ctx2?.clientContext, { custom: { k: "v" } });
    assert.ok(Math.abs((ctx?.deadlineMs ?? 0) - Date.now() - 30_000) < 10_000);
    // every request went over the one keep-alive connection
    assert.equal(api.nextRequests.length, 3);
    assert.ok(api.nextRequests.every((h) => h["connection"] === "keep-alive"));
  });
});

test("a handler that throws is reported to invocation/{id}/error and the loop goes on", TIMEOUT, async () => {
  await withApi(async (api, address) => {
    const lines: string[] = [];
    class ChatError extends Error {
      override readonly name = "ChatError";
    }
    const handler: RuntimeHandler = (event) => {
      if (event === "boom") throw new ChatError("it broke");
      if (event === "reject") return Promise.reject(new TypeError("bad type"));
      if (event === "string") throw "just a string";
      if (event === "cyclic") {
        const cyclic: Record<string, unknown> = {};
        cyclic["self"] = cyclic;
        return cyclic;
      }
      return "ok";
    };
    for (const [id, event] of [
      ["a", "boom"],
      ["b", "reject"],
      ["c", "string"],
      ["d", "cyclic"],
      ["e", "fine"],
    ] as const) {
      api.enqueue(id, JSON.stringify(event)); // a string is sent as the raw body
    }
    api.enqueue("f", "{not json");
    await serve(handler, { runtimeApi: address, maxInvocations: 6, logger: (line) => lines.push(line) });

    const byPath = new Map(api.posted.map((p) => [p.path, p]));
    const error = (id: string): unknown => JSON.parse(byPath.get(`invocation/${id}/error`)?.body ?? "null");
    assert.deepEqual(error("a"), { errorMessage: "it broke", errorType: "ChatError" });
    assert.equal(byPath.get("invocation/a/error")?.headers["lambda-runtime-function-error-type"], "ChatError");
    assert.deepEqual(error("b"), { errorMessage: "bad type", errorType: "TypeError" });
    assert.deepEqual(error("c"), { errorMessage: "just a string", errorType: "string" });
    assert.equal((error("d") as { errorType: string }).errorType, "TypeError"); // not JSON-serializable
    assert.equal(byPath.get("invocation/e/response")?.body, '"ok"');
    assert.equal((error("f") as { errorType: string }).errorType, "Runtime.UnmarshalError");
    assert.equal(api.posted.length, 6);
    // one line per failure, with ids and types only
    assert.equal(lines.length, 5);
    assert.deepEqual(JSON.parse(lines[0] ?? ""), {
      level: "error",
      message: "handler failed",
      request_id: "a",
      error_type: "ChatError",
    });
    assert.ok(lines.every((line) => !line.includes("it broke")));
  });
});

test("an init failure is reported to init/error and serve() rejects with it", TIMEOUT, async () => {
  await withApi(async (api, address) => {
    const failure = new SyntaxError("cannot load the handler");
    await assert.rejects(serve(Promise.reject(failure), { runtimeApi: address }), (err) => err === failure);
    await assert.rejects(
      serve(Promise.resolve({}) as unknown as Promise<RuntimeHandler>, { runtimeApi: address }),
      TypeError,
    );
    assert.deepEqual(
      api.posted.map((p) => [p.path, JSON.parse(p.body) as unknown, p.headers["lambda-runtime-function-error-type"]]),
      [
        ["init/error", { errorMessage: "cannot load the handler", errorType: "SyntaxError" }, "SyntaxError"],
        [
          "init/error",
          { errorMessage: "the handler is not a function (got object)", errorType: "Runtime.HandlerNotFound" },
          "Runtime.HandlerNotFound",
        ],
      ],
    );
    assert.equal(api.nextRequests.length, 0); // no invocation was asked for
  });
});

test("a handler promise is awaited before the first poll", TIMEOUT, async () => {
  await withApi(async (api, address) => {
    api.enqueue("r", { x: 1 });
    const loaded = new Promise<RuntimeHandler>((resolve) => setTimeout(() => resolve((event) => event), 20));
    await serve(loaded, { runtimeApi: address, maxInvocations: 1 });
    assert.deepEqual(
      api.posted.map((p) => [p.path, p.body]),
      [["invocation/r/response", '{"x":1}']],
    );
  });
});

test("the signal stops a pending poll; an invocation in progress is answered first", TIMEOUT, async () => {
  await withApi(async (api, address) => {
    const controller = new AbortController();
    const handler: RuntimeHandler = async () => {
      controller.abort();
      await new Promise((resolve) => setTimeout(resolve, 20));
      return "done";
    };
    api.enqueue("r1", {});
    await serve(handler, { runtimeApi: address, signal: controller.signal });
    assert.deepEqual(
      api.posted.map((p) => p.path),
      ["invocation/r1/response"],
    );

    const idle = new AbortController();
    const serving = serve(() => "never", { runtimeApi: address, signal: idle.signal });
    await api.waitForPoll();
    idle.abort();
    await serving; // resolves: stopped while waiting
  });
});

test(
  "a response the Runtime API refuses as too large becomes a Function.ResponseSizeTooLarge error",
  TIMEOUT,
  async () => {
    await withApi(async (api, address) => {
      api.responseStatus = 413;
      api.enqueue("big", {});
      await serve(() => "x".repeat(1000), { runtimeApi: address, maxInvocations: 1, logger: quiet });
      assert.deepEqual(
        api.posted.map((p) => p.path),
        ["invocation/big/response", "invocation/big/error"],
      );
      assert.equal(
        (JSON.parse(api.posted[1]?.body ?? "") as { errorType: string }).errorType,
        "Function.ResponseSizeTooLarge",
      );
    });
  },
);

test("a Runtime API that answers 500, or is not there, stops the loop with RuntimeApiError", TIMEOUT, async () => {
  await withApi(async (api, address) => {
    api.nextStatus = 500;
    await assert.rejects(
      serve(() => null, { runtimeApi: address }),
      RuntimeApiError,
    );
    api.nextStatus = 200;
    api.responseStatus = 500;
    api.enqueue("r", {});
    await assert.rejects(
      serve(() => null, { runtimeApi: address }),
      /answered 500/,
    );
  });
  await assert.rejects(
    serve(() => null, { runtimeApi: "" }),
    /AWS_LAMBDA_RUNTIME_API is not set/,
  );
  await assert.rejects(
    serve(() => null, { runtimeApi: "host:1/x" }),
    /must be host:port/,
  );
  // a rejected handler promise is not left unhandled when there is no Runtime API
  await assert.rejects(serve(Promise.reject(new Error("x")), { runtimeApi: "" }), RuntimeApiError);
  const closed = new FakeRuntimeApi();
  const gone = await closed.start();
  await closed.stop();
  await assert.rejects(
    serve(() => null, { runtimeApi: gone }),
    /ECONNREFUSED/,
  );
});

test("a keep-alive connection the Runtime API drops is replaced", TIMEOUT, async () => {
  await withApi(async (api, address) => {
    api.resetReusedConnections = true;
    for (let i = 0; i < 3; i++) api.enqueue(`r${i}`, { i });
    await serve((event) => event, { runtimeApi: address, maxInvocations: 3 });
    assert.deepEqual(
      api.posted.map((p) => p.body),
      ['{"i":0}', '{"i":1}', '{"i":2}'],
    );
    assert.equal(api.resets, 5); // every request after the first met a reset once, and was sent again
  });
});

test("an App handler runs under the loop: the context's awsRequestId reaches the app", TIMEOUT, async () => {
  await withApi(async (api, address) => {
    const app = createApp({ webSocketSupport: true });
    app.webSocket("$connect", (ctx) => ({ requestId: ctx.requestId, lambda: ctx.lambdaContext?.awsRequestId ?? null }));
    const event = webSocketEvent("$connect", { connectionId: "c1" });
    delete (event["requestContext"] as Record<string, unknown>)["requestId"];
    api.enqueue("lambda-req-1", event);
    api.enqueue("lambda-req-2", { not: "a websocket event" });
    await serve(app.handler(), { runtimeApi: address, maxInvocations: 2, logger: quiet });
    const [ok, failed] = api.posted;
    assert.equal(ok?.path, "invocation/lambda-req-1/response");
    const response = JSON.parse(ok?.body ?? "") as { statusCode: number; body: string };
    assert.equal(response.statusCode, 200);
    assert.deepEqual(JSON.parse(response.body), { requestId: "lambda-req-1", lambda: "lambda-req-1" });
    assert.equal(failed?.path, "invocation/lambda-req-2/error");
    assert.equal((JSON.parse(failed?.body ?? "") as { errorType: string }).errorType, "UnknownEventError");
  });
});

/** Run `source` (an ES module importing ../src/runtime-api.js) in a child node process. */
function runChild(source: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const moduleUrl = new URL("../src/runtime-api.js", import.meta.url).href;
  const child = spawn(
    process.execPath,
    ["--input-type=module", "-e", source.replaceAll("RUNTIME_API_MODULE", moduleUrl)],
    {
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stderr })));
}

test("start(): the process serves from AWS_LAMBDA_RUNTIME_API and exits 1 on an init failure", TIMEOUT, async () => {
  await withApi(async (api, address) => {
    api.enqueue("child-1", { hello: "world" });
    const serving = runChild(
      'import { start } from "RUNTIME_API_MODULE"; start(async (event, context) => ({ event, id: context.awsRequestId }), { maxInvocations: 1 });',
      { AWS_LAMBDA_RUNTIME_API: address },
    );
    assert.deepEqual(await serving, { code: 0, stderr: "" });
    assert.deepEqual(JSON.parse(api.posted[0]?.body ?? ""), { event: { hello: "world" }, id: "child-1" });

    const failing = await runChild(
      'import { start } from "RUNTIME_API_MODULE"; start(import("./no-such-module.js").then((m) => m.handler));',
      { AWS_LAMBDA_RUNTIME_API: address },
    );
    assert.equal(failing.code, 1);
    const record = JSON.parse(failing.stderr.trim().split("\n").at(-1) ?? "") as Record<string, string>;
    assert.equal(record["message"], "runtime loop stopped");
    assert.equal(api.posted[1]?.path, "init/error");
    assert.equal((JSON.parse(api.posted[1]?.body ?? "") as { errorType: string }).errorType, "Error");
  });
});
