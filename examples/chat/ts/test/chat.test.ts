/** The chat handlers with the strict fake and rooms in memory (the cases of tests/test_dev_chat_app.py). */

import assert from "node:assert/strict";
import { test } from "node:test";

import type { App } from "@apptheory/websocket";
import { FakeManagementClient, webSocketEvent } from "@apptheory/websocket/testkit";

import { createChatApp } from "../src/chat.js";
import { MemoryRooms, roomsFromEnv } from "../src/rooms.js";

interface Setup {
  readonly app: App;
  readonly fake: FakeManagementClient;
  readonly rooms: MemoryRooms;
}

function setup(): Setup {
  const fake = new FakeManagementClient();
  const rooms = new MemoryRooms();
  return { app: createChatApp({ rooms, clientFactory: fake.clientFactory }), fake, rooms };
}

const say = (text: unknown): string => JSON.stringify({ action: "say", text });
const texts = (frames: Uint8Array[]): string[] => frames.map((frame) => Buffer.from(frame).toString("utf8"));

async function join({ app, fake }: Setup, connectionId: string, room: string | null = "r1") {
  const query: Record<string, string> = room === null ? { token: "t" } : { token: "t", room };
  const response = await app.handle(webSocketEvent("$connect", { connectionId, query }));
  fake.addConnection(connectionId);
  return response;
}

test("$connect needs a token and a valid room; the room defaults to lobby", async () => {
  const s = setup();
  const { app, rooms } = s;
  assert.equal((await app.handle(webSocketEvent("$connect", { connectionId: "c0" }))).statusCode, 401);
  const blank = await app.handle(webSocketEvent("$connect", { connectionId: "c0", query: { token: " \x1c" } }));
  assert.equal(blank.statusCode, 401);
  const { error } = JSON.parse(blank.body) as { error: { code: string; message: string } };
  assert.deepEqual([error.code, error.message], ["app.unauthorized", "a token query parameter is required"]);
  for (const room of ["a b", "x".repeat(65), "é", "r/1"]) {
    const bad = await app.handle(webSocketEvent("$connect", { connectionId: "c0", query: { token: "t", room } }));
    assert.equal(bad.statusCode, 400, room);
  }
  assert.equal(await rooms.roomOf("c0"), undefined);
  assert.equal((await join(s, "c1", null)).statusCode, 200);
  assert.equal(await rooms.roomOf("c1"), "lobby");
  assert.equal((await join(s, "c2", " kitchen.2_b-c ")).statusCode, 200); // stripped, as in Python
  assert.equal(await rooms.roomOf("c2"), "kitchen.2_b-c");
  assert.equal((await join(s, "c3", "x".repeat(64))).statusCode, 200);
});

test("say broadcasts to the room only and prunes gone members", async () => {
  const s = setup();
  const { app, fake, rooms } = s;
  for (const [cid, room] of [
    ["a", "r1"],
    ["b", "r1"],
    ["c", "r2"],
    ["gone", "r1"],
  ] as const) {
    await join(s, cid, room);
  }
  fake.setState("gone", "gone");
  const response = await app.handle(webSocketEvent("say", { connectionId: "a", body: say("hi") }));
  assert.equal(response.statusCode, 200);
  assert.deepEqual(JSON.parse(response.body), { sent: 2, gone: 1, failed: 0 });
  assert.equal(response.body, '{"failed":0,"gone":1,"sent":2}'); // canonical JSON (RFC 8785): keys sorted
  const expected = '{"from":"a","room":"r1","text":"hi","type":"message"}';
  assert.deepEqual(texts(fake.sentTo("a")), [expected]);
  assert.deepEqual(texts(fake.sentTo("b")), [expected]);
  assert.deepEqual(texts(fake.sentTo("c")), []);
  assert.deepEqual(await rooms.members("r1"), ["a", "b"]);
});

test("say rejects text that is not 1-4000 characters (code points, as Python counts them)", async () => {
  for (const text of ["", 5, null, "x".repeat(4001), "😀".repeat(4001), ["hi"]]) {
    const s = setup();
    await join(s, "a");
    const response = await s.app.handle(webSocketEvent("say", { connectionId: "a", body: say(text) }));
    assert.equal(response.statusCode, 400, JSON.stringify(text));
    assert.equal(
      (JSON.parse(response.body) as { error: { message: string } }).error.message,
      'expected {"action":"say","text":"1-4000 characters"}',
    );
    assert.deepEqual(s.fake.calls, []);
  }
  for (const body of ["[1]", '"text"', "not json"]) {
    const s = setup();
    await join(s, "a");
    const response = await s.app.handle(webSocketEvent("say", { connectionId: "a", body }));
    assert.equal(response.statusCode, 400, body);
  }
  const s = setup();
  await join(s, "a");
  // 4000 emoji are 8000 UTF-16 units but 4000 characters: accepted
  const ok = await s.app.handle(webSocketEvent("say", { connectionId: "a", body: say("😀".repeat(4000)) }));
  assert.equal(ok.statusCode, 200);
});

test("say from a connection outside any room is a conflict", async () => {
  const { app } = setup();
  const response = await app.handle(webSocketEvent("say", { connectionId: "stranger", body: say("hi") }));
  assert.equal(response.statusCode, 409);
  assert.equal(
    (JSON.parse(response.body) as { error: { code: string; message: string } }).error.message,
    "this connection is not in a room; reconnect",
  );
});

test("$default tells the sender; $disconnect leaves the room", async () => {
  const s = setup();
  const { app, fake, rooms } = s;
  await join(s, "a");
  const response = await app.handle(webSocketEvent("$default", { connectionId: "a", body: "hello?" }));
  assert.equal(response.statusCode, 200);
  assert.equal(response.body, "");
  assert.deepEqual(texts(fake.sentTo("a")), [
    '{"message":"unknown message; send {\\"action\\":\\"say\\",\\"text\\":\\"...\\"}","type":"error"}',
  ]);
  const bye = await app.handle(webSocketEvent("$disconnect", { connectionId: "a", disconnectStatusCode: 1001 }));
  assert.equal(bye.statusCode, 200);
  assert.equal(await rooms.roomOf("a"), undefined);
  assert.deepEqual(await rooms.members("r1"), []);
});

test("memory rooms: joining again moves a connection; members keep join order", async () => {
  const rooms = new MemoryRooms();
  await rooms.join("a", "r1");
  await rooms.join("b", "r1");
  await rooms.join("c", "r1");
  await rooms.join("a", "r2");
  assert.deepEqual(await rooms.members("r1"), ["b", "c"]);
  assert.deepEqual(await rooms.members("r2"), ["a"]);
  assert.equal(await rooms.leave("a"), "r2");
  assert.equal(await rooms.leave("a"), undefined);
  assert.deepEqual(await rooms.members("r2"), []);
});

test("memory is the default; a blank CONNECTIONS_TABLE is no table", () => {
  assert.ok(roomsFromEnv({}) instanceof MemoryRooms);
  assert.ok(roomsFromEnv({ CONNECTIONS_TABLE: "  " }) instanceof MemoryRooms);
});
