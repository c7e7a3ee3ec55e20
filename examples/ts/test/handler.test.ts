/** The example handler end to end against the strict fake: connect, echo, disconnect. */

import assert from "node:assert/strict";
import { test } from "node:test";

import { FakeManagementClient, webSocketEvent } from "@apptheory/websocket/testkit";

import { createEchoApp } from "../src/handler.js";

test("$connect needs a token; $default echoes through the management API; $disconnect answers 200", async () => {
  const fake = new FakeManagementClient();
  const app = createEchoApp({ webSocketClientFactory: fake.clientFactory });

  const refused = await app.handle(webSocketEvent("$connect", { connectionId: "c-1" }));
  assert.equal(refused.statusCode, 401);
  const accepted = await app.handle(webSocketEvent("$connect", { connectionId: "c-1", query: { token: "t" } }));
  assert.equal(accepted.statusCode, 200);

  fake.addConnection("c-1");
  const echoed = await app.handle(webSocketEvent("$default", { connectionId: "c-1", body: { text: "hi" } }));
  assert.deepEqual(JSON.parse(echoed.body), { ok: true });
  assert.deepEqual(
    fake.sentTo("c-1").map((data) => Buffer.from(data).toString("utf8")),
    ['{"echo":{"text":"hi"},"from":"c-1"}'],
  );

  const bye = await app.handle(webSocketEvent("$disconnect", { connectionId: "c-1", disconnectStatusCode: 1000 }));
  assert.equal(bye.statusCode, 200);
});
