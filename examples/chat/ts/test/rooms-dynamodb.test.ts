/**
 * DynamoRooms with the real SDK (@aws-sdk/client-dynamodb) against a local HTTP server that answers
 * the DynamoDB JSON protocol for one table laid out as the CDK stack creates it: partition key
 * `connectionId`, GSI `room-index` on `room`. Queries come back in pages of two, so pagination is
 * exercised; every request is recorded.
 */

import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, test } from "node:test";

import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { FakeManagementClient, webSocketEvent } from "@apptheory/websocket/testkit";

import { createChatApp } from "../src/chat.js";
import { DynamoRooms, MemoryRooms, roomsFromEnv } from "../src/rooms.js";

type Attr = { S: string };
type Item = Record<string, Attr>;

const TABLE = "chat-connections";
const INDEX = "room-index";
const PAGE = 2;

/** The requests the fake saw: operation and input. */
interface Seen {
  readonly op: string;
  readonly input: Record<string, unknown>;
}

class FakeDynamo {
  readonly items = new Map<string, Item>(); // by connectionId, in insertion order
  readonly seen: Seen[] = [];
  readonly #server: Server;

  constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const op = String(req.headers["x-amz-target"] ?? "").replace("DynamoDB_20120810.", "");
        const input = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
        this.seen.push({ op, input });
        const [status, body] = this.#handle(op, input);
        res.writeHead(status, { "content-type": "application/x-amz-json-1.0", "x-amzn-RequestId": "r" });
        res.end(JSON.stringify(body));
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  stop(): void {
    this.#server.close();
  }

  #handle(op: string, input: Record<string, unknown>): [number, unknown] {
    if (input["TableName"] !== TABLE) {
      return [400, { __type: "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", message: "no table" }];
    }
    const key = (input["Key"] as Item | undefined)?.["connectionId"]?.S;
    switch (op) {
      case "PutItem": {
        const item = input["Item"] as Item;
        const id = item["connectionId"]?.S as string;
        this.items.delete(id);
        this.items.set(id, item);
        return [200, {}];
      }
      case "GetItem": {
        const item = this.items.get(key as string);
        return [200, item === undefined ? {} : { Item: item }];
      }
      case "DeleteItem": {
        const item = this.items.get(key as string);
        this.items.delete(key as string);
        return [200, item !== undefined && input["ReturnValues"] === "ALL_OLD" ? { Attributes: item } : {}];
      }
      case "Query": {
        assert.equal(input["IndexName"], INDEX);
        assert.equal(input["KeyConditionExpression"], "#room = :room");
        assert.deepEqual(input["ExpressionAttributeNames"], { "#room": "room" });
        const room = (input["ExpressionAttributeValues"] as Record<string, Attr>)[":room"]?.S;
        const all = [...this.items.values()].filter((item) => item["room"]?.S === room);
        const startAfter = (input["ExclusiveStartKey"] as Item | undefined)?.["connectionId"]?.S;
        const start =
          startAfter === undefined ? 0 : all.findIndex((item) => item["connectionId"]?.S === startAfter) + 1;
        const page = all.slice(start, start + PAGE);
        const last = page.at(-1);
        const projected = page.map((item) => ({ connectionId: item["connectionId"] as Attr }));
        const out: Record<string, unknown> = { Items: projected, Count: page.length, ScannedCount: page.length };
        if (start + PAGE < all.length && last !== undefined) {
          out["LastEvaluatedKey"] = { connectionId: last["connectionId"], room: last["room"] };
        }
        return [200, out];
      }
      default:
        return [400, { __type: "com.amazon.coral.service#UnknownOperationException", message: op }];
    }
  }
}

const dynamo = new FakeDynamo();
let endpoint = "";
const CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

before(async () => {
  endpoint = await dynamo.start();
});
after(() => dynamo.stop());
beforeEach(() => {
  dynamo.items.clear();
  dynamo.seen.length = 0;
});

function client(): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: "eu-west-1", credentials: CREDENTIALS });
}

test("DynamoRooms behave like memory rooms", async () => {
  const rooms = new DynamoRooms(TABLE, { client: client() });
  for (const [cid, room] of [
    ["a", "r1"],
    ["b", "r1"],
    ["c", "r2"],
    ["d", "r1"],
    ["e", "r1"],
    ["f", "r1"],
  ] as const) {
    await rooms.join(cid, room);
  }
  assert.deepEqual((await rooms.members("r1")).sort(), ["a", "b", "d", "e", "f"]); // three pages
  assert.equal(dynamo.seen.filter((s) => s.op === "Query").length, 3);
  assert.equal(await rooms.roomOf("c"), "r2");
  assert.equal(await rooms.roomOf("zz"), undefined);
  assert.equal(await rooms.leave("a"), "r1");
  assert.equal(await rooms.leave("a"), undefined);
  assert.deepEqual((await rooms.members("r1")).sort(), ["b", "d", "e", "f"]);
  await rooms.join("b", "r2"); // moving rooms replaces the item
  assert.deepEqual((await rooms.members("r2")).sort(), ["b", "c"]);
  assert.deepEqual(await rooms.members("empty"), []);
});

test("the requests have the Python chat's shape", async () => {
  const rooms = new DynamoRooms(TABLE, { client: client() });
  await rooms.join("a", "r1");
  await rooms.roomOf("a");
  await rooms.members("r1");
  await rooms.leave("a");
  assert.deepEqual(dynamo.seen, [
    { op: "PutItem", input: { TableName: TABLE, Item: { connectionId: { S: "a" }, room: { S: "r1" } } } },
    { op: "GetItem", input: { TableName: TABLE, Key: { connectionId: { S: "a" } }, ConsistentRead: true } },
    {
      op: "Query",
      input: {
        TableName: TABLE,
        IndexName: INDEX,
        KeyConditionExpression: "#room = :room",
        ExpressionAttributeNames: { "#room": "room" },
        ExpressionAttributeValues: { ":room": { S: "r1" } },
        ProjectionExpression: "connectionId",
      },
    },
    { op: "DeleteItem", input: { TableName: TABLE, Key: { connectionId: { S: "a" } }, ReturnValues: "ALL_OLD" } },
  ]);
});

test("roomsFromEnv: CONNECTIONS_TABLE picks DynamoDB (ROOM_INDEX names the index), client made on first use", () => {
  const rooms = roomsFromEnv({ CONNECTIONS_TABLE: ` ${TABLE} `, ROOM_INDEX: " by-room " });
  assert.ok(rooms instanceof DynamoRooms);
  assert.equal(rooms.table, TABLE);
  assert.equal(rooms.index, "by-room");
  assert.equal(rooms.hasClient, false);
  const fallback = roomsFromEnv({ CONNECTIONS_TABLE: TABLE, ROOM_INDEX: "  " });
  assert.ok(fallback instanceof DynamoRooms);
  assert.equal(fallback.index, INDEX);
  assert.ok(roomsFromEnv({ ROOM_INDEX: "x" }) instanceof MemoryRooms);
});

test("the chat app on DynamoDB from the environment", async () => {
  const saved = { ...process.env };
  try {
    Object.assign(process.env, {
      CONNECTIONS_TABLE: TABLE,
      AWS_ENDPOINT_URL_DYNAMODB: endpoint,
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_REGION: "eu-west-1",
    });
    delete process.env["ROOM_INDEX"];
    const fake = new FakeManagementClient();
    const app = createChatApp({ clientFactory: fake.clientFactory }); // rooms from the environment, on first use
    for (const cid of ["a", "b"]) {
      const response = await app.handle(webSocketEvent("$connect", { connectionId: cid, query: { token: "t" } }));
      assert.equal(response.statusCode, 200);
      fake.addConnection(cid);
    }
    assert.deepEqual(
      [...dynamo.items.values()],
      [
        { connectionId: { S: "a" }, room: { S: "lobby" } },
        { connectionId: { S: "b" }, room: { S: "lobby" } },
      ],
    );
    const said = await app.handle(
      webSocketEvent("say", { connectionId: "b", body: JSON.stringify({ action: "say", text: "via dynamo" }) }),
    );
    assert.deepEqual(JSON.parse(said.body), { sent: 2, gone: 0, failed: 0 });
    assert.equal(fake.sentTo("a").length, 1);
    assert.equal(fake.sentTo("b").length, 1);
    await app.handle(webSocketEvent("$disconnect", { connectionId: "a" }));
    assert.deepEqual([...dynamo.items.keys()], ["b"]);
  } finally {
    process.env = saved;
  }
});
