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
import { DeadlineExceededError, MalformedResponseError, NetworkError } from "../src/streamer.js";
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

test("transport errors can be injected: recorded, then the typed error by class name", async () => {
  const fake = new FakeManagementClient("https://e.invalid", { connections: ["c1", "c2"] });
  fake.fail("post_to_connection", "NetworkError");
  const net = await failure(fake.postToConnection("c1", Buffer.from("x")));
  assert.ok(net instanceof NetworkError && !(net instanceof DeadlineExceededError));
  assert.deepEqual([net.name, net.status, net.retryable, net.awsCode], ["NetworkError", 0, true, ""]);
  assert.deepEqual([net.operation, net.connectionId], ["post_to_connection", "c1"]);
  assert.equal(net.message, "post_to_connection c1: error (HTTP 0): injected by FakeManagementClient");
  fake.fail("delete_connection", "DeadlineExceededError");
  const late = await failure(fake.deleteConnection("c1"));
  assert.ok(late instanceof DeadlineExceededError && late instanceof NetworkError);
  assert.deepEqual([late.name, late.status, late.retryable, late.awsCode], ["DeadlineExceededError", 0, true, ""]);
  assert.equal(fake.stateOf("c1"), "connected");
  fake.fail("get_connection", "MalformedResponseError");
  const bad = await failure(fake.getConnection("c1"));
  assert.ok(bad instanceof MalformedResponseError && !(bad instanceof NetworkError));
  assert.deepEqual([bad.name, bad.status, bad.retryable, bad.awsCode], ["MalformedResponseError", 200, false, ""]);
  for (const op of ["post_to_connection", "delete_connection"] as const) {
    assert.throws(() => fake.fail(op, "MalformedResponseError"), {
      name: "RangeError",
      message: "MalformedResponseError needs an operation that returns a body: get_connection",
    });
  }
  await fake.postToConnection("c1", Buffer.from("ok")); // each injection was used once
  fake.assertCalls([
    { op: "post_to_connection", endpoint: "https://e.invalid", connectionId: "c1", data: Buffer.from("x") },
    { op: "delete_connection", endpoint: "https://e.invalid", connectionId: "c1" },
    { op: "get_connection", endpoint: "https://e.invalid", connectionId: "c1" },
    { op: "post_to_connection", endpoint: "https://e.invalid", connectionId: "c1", data: Buffer.from("ok") },
  ]);
  // Scoped and sticky work as for AWS codes; a status given to fail() is kept.
  fake.fail("post_to_connection", "DeadlineExceededError", { connectionId: "c2", sticky: true });
  fake.fail("get_connection", "MalformedResponseError", { status: 203 });
  for (let i = 0; i < 2; i++) {
    assert.ok((await failure(fake.postToConnection("c2", Buffer.from("y")))) instanceof DeadlineExceededError);
  }
  await fake.postToConnection("c1", Buffer.from("y"));
  const explicit = await failure(fake.getConnection("c2"));
  assert.ok(explicit instanceof MalformedResponseError && explicit.status === 203);
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
