/** The one-file bundle (dist/handler.mjs, from `npm run build`) runs: $default echoes through a local management API. */

import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";

type LambdaHandler = (
  event: unknown,
  context: { awsRequestId: string },
) => Promise<{ statusCode: number; body: string }>;

test("the bundled handler posts the echo to the management API", async () => {
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
    process.env["APPTHEORY_WS_MANAGEMENT_ENDPOINT"] = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dev`;
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_REGION: "us-east-1",
    });
    const bundle = new URL("../../handler.mjs", import.meta.url).href;
    const { handler } = (await import(bundle)) as { handler: LambdaHandler };
    const event = {
      requestContext: {
        routeKey: "$default",
        eventType: "MESSAGE",
        connectionId: "c1",
        requestId: "r1",
        domainName: "ws.example.com",
        stage: "dev",
      },
      body: '{"a":1}',
      isBase64Encoded: false,
    };
    const response = await handler(event, { awsRequestId: "l1" });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(JSON.parse(response.body), { ok: true });
    assert.deepEqual(received, [["POST", "/dev/@connections/c1", '{"echo":{"a":1},"from":"c1"}']]);
  } finally {
    process.env = saved;
    server.close();
  }
});
