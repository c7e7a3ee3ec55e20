/**
 * Where the chat keeps who is in which room: in memory (local runs) or DynamoDB (deployed), as
 * examples/chat/python/chat_rooms.py does.
 *
 * `roomsFromEnv()` picks DynamoDB when `CONNECTIONS_TABLE` is set, else memory. The table has the
 * partition key `connectionId` (string) and a global secondary index (`ROOM_INDEX`, default
 * `room-index`) whose partition key is `room` (string); items are `{connectionId, room}`.
 * The DynamoDB client is created on first use (the SDK is not loaded before then).
 */

import type { AttributeValue, DynamoDBClient } from "@aws-sdk/client-dynamodb";

import { pyStrip } from "./text.js";

export const DEFAULT_ROOM_INDEX = "room-index";

/** Connection → room membership. */
export interface Rooms {
  join(connectionId: string, room: string): Promise<void>;
  /** Remove a connection; resolves to the room it was in (undefined when unknown). */
  leave(connectionId: string): Promise<string | undefined>;
  roomOf(connectionId: string): Promise<string | undefined>;
  members(room: string): Promise<string[]>;
}

/** Rooms in this process (one Lambda sandbox, or one `apptheory dev --cmd` worker). */
export class MemoryRooms implements Rooms {
  readonly #roomOf = new Map<string, string>();
  readonly #members = new Map<string, Set<string>>(); // insertion-ordered

  async join(connectionId: string, room: string): Promise<void> {
    this.#leave(connectionId);
    this.#roomOf.set(connectionId, room);
    let members = this.#members.get(room);
    if (members === undefined) {
      members = new Set();
      this.#members.set(room, members);
    }
    members.add(connectionId);
  }

  async leave(connectionId: string): Promise<string | undefined> {
    return this.#leave(connectionId);
  }

  #leave(connectionId: string): string | undefined {
    const room = this.#roomOf.get(connectionId);
    if (room !== undefined) {
      this.#roomOf.delete(connectionId);
      const members = this.#members.get(room);
      members?.delete(connectionId);
      if (members !== undefined && members.size === 0) this.#members.delete(room);
    }
    return room;
  }

  async roomOf(connectionId: string): Promise<string | undefined> {
    return this.#roomOf.get(connectionId);
  }

  async members(room: string): Promise<string[]> {
    return [...(this.#members.get(room) ?? [])];
  }
}

/** The part of the SDK client DynamoRooms uses (tests may pass their own). */
export type DynamoSend = Pick<DynamoDBClient, "send">;

/** Options of DynamoRooms. */
export interface DynamoRoomsOptions {
  /** The GSI whose partition key is `room` (default `room-index`). */
  readonly index?: string;
  /** A client to use instead of `new DynamoDBClient({})` (endpoint, credentials, tests). */
  readonly client?: DynamoSend;
}

type Sdk = typeof import("@aws-sdk/client-dynamodb");

/** Rooms in a DynamoDB table (see the module comment for its keys). */
export class DynamoRooms implements Rooms {
  readonly table: string;
  readonly index: string;
  #client: DynamoSend | undefined;
  #sdk: Promise<Sdk> | undefined;

  constructor(table: string, options: DynamoRoomsOptions = {}) {
    this.table = table;
    this.index = options.index ?? DEFAULT_ROOM_INDEX;
    this.#client = options.client;
  }

  /** Whether the client exists yet (it is created on first use). */
  get hasClient(): boolean {
    return this.#client !== undefined;
  }

  async #use(): Promise<[Sdk, DynamoSend]> {
    // First use only: cold starts that never touch rooms don't load the SDK.
    this.#sdk ??= import("@aws-sdk/client-dynamodb");
    const sdk = await this.#sdk;
    this.#client ??= new sdk.DynamoDBClient({});
    return [sdk, this.#client];
  }

  async join(connectionId: string, room: string): Promise<void> {
    const [sdk, client] = await this.#use();
    await client.send(
      new sdk.PutItemCommand({
        TableName: this.table,
        Item: { connectionId: { S: connectionId }, room: { S: room } },
      }),
    );
  }

  async leave(connectionId: string): Promise<string | undefined> {
    const [sdk, client] = await this.#use();
    const out = await client.send(
      new sdk.DeleteItemCommand({
        TableName: this.table,
        Key: { connectionId: { S: connectionId } },
        ReturnValues: "ALL_OLD",
      }),
    );
    return out.Attributes?.["room"]?.S;
  }

  async roomOf(connectionId: string): Promise<string | undefined> {
    const [sdk, client] = await this.#use();
    const out = await client.send(
      new sdk.GetItemCommand({
        TableName: this.table,
        Key: { connectionId: { S: connectionId } },
        ConsistentRead: true,
      }),
    );
    return out.Item?.["room"]?.S;
  }

  async members(room: string): Promise<string[]> {
    const [sdk, client] = await this.#use();
    const ids: string[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(
        new sdk.QueryCommand({
          TableName: this.table,
          IndexName: this.index,
          KeyConditionExpression: "#room = :room",
          ExpressionAttributeNames: { "#room": "room" },
          ExpressionAttributeValues: { ":room": { S: room } },
          ProjectionExpression: "connectionId",
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const id = item["connectionId"]?.S;
        if (id !== undefined) ids.push(id);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return ids;
  }
}

/** DynamoDB when CONNECTIONS_TABLE is set (ROOM_INDEX names the GSI), else memory. */
export function roomsFromEnv(env: NodeJS.ProcessEnv = process.env): Rooms {
  const table = pyStrip(env["CONNECTIONS_TABLE"] ?? "");
  if (table) return new DynamoRooms(table, { index: pyStrip(env["ROOM_INDEX"] ?? "") || DEFAULT_ROOM_INDEX });
  return new MemoryRooms();
}
