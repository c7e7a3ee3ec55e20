/**
 * The chat example on AppTheory (TypeScript). Lambda entry point: `handler`.
 *
 * The same protocol as examples/chat/python/app.py (tests/e2e checks every language against it):
 *
 * - connect to `wss://.../{stage}?token=T&room=R`: `token` is required (non-empty) else the handshake
 *   is rejected with 401; `room` defaults to `lobby` (1-64 of A-Z a-z 0-9 _ - ., else 400).
 * - send `{"action":"say","text":"..."}` (text: a non-empty string, at most 4000 characters): every
 *   connection in the sender's room, the sender included, receives
 *   `{"from":"<sender connection id>","room":"<room>","text":"...","type":"message"}` (compact JSON,
 *   sorted keys). Connections found gone while broadcasting are removed from the room.
 * - any other frame (`$default`): the sender receives `{"message":"...","type":"error"}`.
 * - `$disconnect` removes the connection from its room.
 *
 * Rooms live in memory, or in DynamoDB when `CONNECTIONS_TABLE` is set (see rooms.ts).
 *
 * Build: `npm run build` bundles this file, the runtime and the AWS SDK into dist/chat.mjs (Lambda
 * handler `chat.handler`, Node.js 20+) and dist/local.mjs (this handler under the Runtime API loop,
 * for `apptheory dev --cmd "node examples/chat/ts/dist/local.mjs"`).
 */

import { AppError, AppErrorCode, createApp, encodeJson, type App, type ClientFactory } from "@apptheory/websocket";

import { roomsFromEnv, type Rooms } from "./rooms.js";
import { pyLen, pyStrip } from "./text.js";

export const DEFAULT_ROOM = "lobby";
export const MAX_TEXT = 4000;
const ROOM_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** What tests swap in: their own rooms store and management client factory. */
export interface ChatOptions {
  readonly rooms?: Rooms;
  readonly clientFactory?: ClientFactory;
}

/** Build the chat app. */
export function createChatApp(options: ChatOptions = {}): App {
  const app = createApp({ webSocketSupport: true, webSocketClientFactory: options.clientFactory });
  let rooms = options.rooms;
  // Created on first use, reused on warm invocations.
  const getRooms = (): Rooms => (rooms ??= roomsFromEnv());

  app.webSocket("$connect", async (ctx) => {
    const ws = ctx.asWebSocket();
    if (!pyStrip(ws.query["token"] ?? "")) {
      throw new AppError(AppErrorCode.UNAUTHORIZED, "a token query parameter is required");
    }
    const room = pyStrip(ws.query["room"] ?? "") || DEFAULT_ROOM;
    if (!ROOM_PATTERN.test(room)) {
      throw new AppError(AppErrorCode.BAD_REQUEST, "room must be 1-64 of A-Z a-z 0-9 _ - .");
    }
    await getRooms().join(ws.connectionId, room);
    return null;
  });

  app.webSocket("say", async (ctx) => {
    const ws = ctx.asWebSocket();
    const body = ws.json();
    const text = typeof body === "object" && body !== null && !Array.isArray(body) ? body["text"] : undefined;
    if (typeof text !== "string" || !text || pyLen(text) > MAX_TEXT) {
      throw new AppError(AppErrorCode.BAD_REQUEST, `expected {"action":"say","text":"1-${MAX_TEXT} characters"}`);
    }
    const store = getRooms();
    const room = await store.roomOf(ws.connectionId);
    if (room === undefined) {
      throw new AppError(AppErrorCode.CONFLICT, "this connection is not in a room; reconnect");
    }
    const payload = encodeJson({ type: "message", room, from: ws.connectionId, text });
    const result = await ws.broadcast(await store.members(room), payload);
    for (const gone of result.gone) await store.leave(gone);
    return { sent: result.sent.length, gone: result.gone.length, failed: result.failed.size };
  });

  app.webSocket("$default", async (ctx) => {
    await ctx
      .asWebSocket()
      .sendJSONMessage({ type: "error", message: 'unknown message; send {"action":"say","text":"..."}' });
    return null;
  });

  app.webSocket("$disconnect", async (ctx) => {
    await getRooms().leave(ctx.asWebSocket().connectionId);
    return null;
  });

  return app;
}

/** The Lambda entry point. */
export const handler = createChatApp().handler();
