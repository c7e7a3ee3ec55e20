/**
 * The built files (`npm run build` first): dist/chat.mjs is one self-contained Lambda handler, and
 * dist/local.mjs runs it as a process speaking the Lambda Runtime API (what `apptheory dev --cmd`
 * starts), here against a local stand-in for that API.
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

import { webSocketEvent } from "@apptheory/websocket/testkit";

const DIST = fileURLToPath(new URL("../../", import.meta.url));
const TIMEOUT = { timeout: 30_000 };

type LambdaHandler = (
  event: unknown,
  context: { awsRequestId: string },
) => Promise<{ statusCode: number; body: string }>;

test("dist/chat.mjs: the handler, the runtime and the SDK in one file", TIMEOUT, async () => {
  const received: [string, string, string][] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push([req.method ?? "", req.url ?? "", Buffer.concat(chunks).toString("utf8")]);
      res.writeHead(200, { "x-amzn-RequestId": "r" });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const saved = { ...process.env };
  try {
    Object.assign(process.env, {
      APPTHEORY_WS_MANAGEMENT_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dev`,
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_REGION: "us-east-1",
    });
    delete process.env["CONNECTIONS_TABLE"];
    const { handler } = (await import(new URL("../../chat.mjs", import.meta.url).href)) as { handler: LambdaHandler };
    const context = { awsRequestId: "l1" };
    const refused = await handler(webSocketEvent("$connect", { connectionId: "c1" }), context);
    assert.equal(refused.statusCode, 401);
    const joined = await handler(webSocketEvent("$connect", { connectionId: "c1", query: { token: "t" } }), context);
    assert.equal(joined.statusCode, 200);
    const said = await handler(
      webSocketEvent("say", { connectionId: "c1", body: { action: "say", text: "hi" } }),
      context,
    );
    assert.deepEqual(JSON.parse(said.body), { sent: 1, gone: 0, failed: 0 });
    assert.deepEqual(received, [
      ["POST", "/dev/@connections/c1", '{"from":"c1","room":"lobby","text":"hi","type":"message"}'],
    ]);
  } finally {
    process.env = saved;
    server.close();
  }
});

interface Posted {
  readonly path: string;
  readonly body: string;
}

/** Hands out `events` in order to GET invocation/next (then holds the poll); records every POST. */
async function runtimeApi(events: unknown[]) {
  const posted: Posted[] = [];
  const waiters: (() => void)[] = [];
  const held: ServerResponse[] = [];
  let next = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = (req.url ?? "").replace("/2018-06-01/runtime/", "");
      if (req.method === "GET" && path === "invocation/next") {
        if (next >= events.length) {
          held.push(res);
          return;
        }
        const id = `req-${++next}`;
        res.writeHead(200, {
          "Lambda-Runtime-Aws-Request-Id": id,
          "Lambda-Runtime-Deadline-Ms": String(Date.now() + 10_000),
          "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:123456789012:function:chat",
        });
        res.end(JSON.stringify(events[next - 1]));
        return;
      }
      posted.push({ path, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(202, { "content-type": "application/json" });
      res.end('{"status":"OK"}');
      for (const waiter of waiters.splice(0)) waiter();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    posted,
    async waitFor(count: number): Promise<void> {
      while (posted.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    close(): void {
      for (const res of held) res.destroy();
      server.close();
    },
  };
}

function node(script: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, CONNECTIONS_TABLE: "", AWS_REGION: "us-east-1", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

test("dist/local.mjs serves the chat over the Runtime API", TIMEOUT, async () => {
  const api = await runtimeApi([
    webSocketEvent("$connect", { connectionId: "c1" }),
    webSocketEvent("$connect", { connectionId: "c1", query: { token: "t", room: "kitchen" } }),
    webSocketEvent("say", { connectionId: "c2", body: { action: "say", text: "hi" } }),
  ]);
  const proc = node(join(DIST, "local.mjs"), { AWS_LAMBDA_RUNTIME_API: api.address });
  try {
    await api.waitFor(3);
    const statuses = api.posted.map((p) => [p.path, (JSON.parse(p.body) as { statusCode: number }).statusCode]);
    assert.deepEqual(statuses, [
      ["invocation/req-1/response", 401],
      ["invocation/req-2/response", 200],
      ["invocation/req-3/response", 409], // c2 never joined a room
    ]);
  } finally {
    proc.child.kill("SIGTERM");
    await proc.exited;
    api.close();
  }
});

test("dist/local.mjs reports a chat bundle it cannot load to init/error and exits 1", TIMEOUT, async () => {
  const api = await runtimeApi([]);
  const dir = mkdtempSync(join(tmpdir(), "chat-local-"));
  try {
    copyFileSync(join(DIST, "local.mjs"), join(dir, "local.mjs")); // no chat.mjs beside it
    const proc = node(join(dir, "local.mjs"), { AWS_LAMBDA_RUNTIME_API: api.address });
    assert.equal(await proc.exited, 1);
    assert.equal(api.posted.length, 1);
    assert.equal(api.posted[0]?.path, "init/error");
    assert.equal((JSON.parse(api.posted[0]?.body ?? "") as { errorType: string }).errorType, "Error");
    assert.match(proc.stderr(), /runtime loop stopped/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    api.close();
  }
});
