import { createApp } from "@apptheory/websocket";

const app = createApp({ webSocketSupport: true });
app.webSocket("$connect", () => null); // 200: accept the handshake (no sends: not open yet)
app.webSocket("$disconnect", () => null); // already closed: clean up state here
app.webSocket("$default", async (ctx) => {
  const ws = ctx.asWebSocket();
  await ws.sendJSONMessage({ echo: ws.json(), from: ws.connectionId });
  return { ok: true };
});
export const handler = app.handler();
