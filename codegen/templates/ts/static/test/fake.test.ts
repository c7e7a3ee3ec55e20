/** The strict fake behaves like AWS where AWS is strict, records every call and injects errors. */

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  ForbiddenError,
  GoneError,
  InvalidConnectionError,
  ManagementError,
  PayloadTooLargeError,
  ServerError,
  ThrottledError,
} from "../src/index.js";
import { FakeManagementClient } from "../src/testkit.js";

async function failure(promise: Promise<unknown>): Promise<ManagementError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ManagementError);
    return err;
  }
  assert.fail("expected a failure");
}

test("unknown, gone and still-connecting connections are gone; the attempt is recorded", async () => {
  const fake = new FakeManagementClient("https://e.invalid", { connections: ["ok"] });
  fake.addConnection("closed", { state: "gone" });
  fake.addConnection("joining", { state: "connecting" });
  for (const id of ["nobody", "closed", "joining"]) {
    assert.ok((await failure(fake.postToConnection(id, Buffer.from("x")))) instanceof GoneError);
  }
  await fake.postToConnection("ok", Buffer.from("y"));
  assert.deepEqual(
    fake.calls.map((c) => c.connectionId),
    ["nobody", "closed", "joining", "ok"],
  );
  assert.deepEqual(
    fake.sentTo("ok").map((d) => Buffer.from(d).toString()),
    ["y"],
  );
});

test("the fake is strict about its interface: extra arguments and wrong types throw", async () => {
  const fake = new FakeManagementClient("https://e.invalid", { connections: ["ok"] });
  const loose = fake as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  await assert.rejects(loose["postToConnection"]!.call(fake, "ok", Buffer.from("x"), { retries: 3 }), TypeError);
  await assert.rejects(loose["getConnection"]!.call(fake, "ok", "extra"), TypeError);
  await assert.rejects(loose["postToConnection"]!.call(fake, "ok", "text"), TypeError);
  await assert.rejects(loose["deleteConnection"]!.call(fake, 42), TypeError);
  assert.deepEqual(fake.calls, []);
});

test("a blank connection id throws InvalidConnectionError on every operation and records nothing", async () => {
  const fake = new FakeManagementClient("https://e.invalid", { connections: ["ok", " "] });
  fake.fail("post_to_connection", "ForbiddenException", { sticky: true });
  for (const id of ["", " ", "\t\r\n", "\u00a0\u3000"]) {
    for (const call of [
      () => fake.postToConnection(id, new Uint8Array(131073)),
      () => fake.getConnection(id),
      () => fake.deleteConnection(id),
    ]) {
      const err = await failure(call());
      assert.equal(err.constructor, InvalidConnectionError);
      assert.deepEqual([err.connectionId, err.status, err.awsCode, err.retryable], [id, 0, "", false]);
      assert.match(err.message, /connection id is empty/);
    }
  }
  assert.deepEqual(fake.calls, []);
});

test("deleting a gone connection is success and is recorded; other delete errors stay typed", async () => {
  const fake = new FakeManagementClient("https://e.invalid", { connections: ["a"] });
  fake.addConnection("closed", { state: "gone" });
  await fake.deleteConnection("a");
  await fake.deleteConnection("a");
  await fake.deleteConnection("closed");
  await fake.deleteConnection("never-heard-of");
  fake.fail("delete_connection", "GoneException");
  await fake.deleteConnection("a");
  fake.fail("delete_connection", "ForbiddenException");
  assert.ok((await failure(fake.deleteConnection("a"))) instanceof ForbiddenError);
  assert.deepEqual(
    fake.calls.map((c) => [c.op, c.connectionId]),
    ["a", "a", "closed", "never-heard-of", "a", "a"].map((id) => ["delete_connection", id]),
  );
  assert.ok((await failure(fake.getConnection("closed"))) instanceof GoneError);
});

test("oversize payloads throw PayloadTooLargeError after being recorded", async () => {
  const fake = new FakeManagementClient("https://e.invalid", { connections: ["ok"] });
  assert.ok((await failure(fake.postToConnection("ok", new Uint8Array(131073)))) instanceof PayloadTooLargeError);
  assert.equal(fake.calls.length, 1);
});

test("injected errors: once, sticky, scoped; typed by code then status", async () => {
  const fake = new FakeManagementClient("https://e.invalid", { connections: ["a", "b"] });
  fake.fail("post_to_connection", "LimitExceededException");
  fake.fail("get_connection", "ForbiddenException", { sticky: true });
  fake.fail("delete_connection", "InternalServerErrorException", { status: 500, connectionId: "b" });
  const throttled = await failure(fake.postToConnection("a", Buffer.from("1")));
  assert.ok(throttled instanceof ThrottledError && throttled.retryable);
  await fake.postToConnection("a", Buffer.from("2"));
  for (let i = 0; i < 2; i++) assert.ok((await failure(fake.getConnection("a"))) instanceof ForbiddenError);
  await fake.deleteConnection("a");
  const server = await failure(fake.deleteConnection("b"));
  assert.ok(server instanceof ServerError && server.retryable && server.status === 500);
  assert.equal(server.awsCode, "InternalServerErrorException");
  assert.throws(() => fake.fail("post_to_connection", "NoSuchException"), /pass \{ status \}/);
});

test("forEndpoint shares state; assertCalls compares exactly", async () => {
  const fake = new FakeManagementClient("https://one.invalid", { connections: ["a"] });
  const other = fake.forEndpoint("https://two.invalid");
  await other.postToConnection("a", Buffer.from("hi"));
  await fake.deleteConnection("a");
  assert.equal(other.stateOf("a"), "gone");
  fake.assertCalls([
    { op: "post_to_connection", endpoint: "https://two.invalid", connectionId: "a", data: Buffer.from("hi") },
    { op: "delete_connection", endpoint: "https://one.invalid", connectionId: "a" },
  ]);
  assert.throws(() => fake.assertCalls([]), /management calls differ/);
  const info = await failure(fake.getConnection("a"));
  assert.equal(info.name, "GoneError");
});
