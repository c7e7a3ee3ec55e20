/**
 * A chat-style echo app on AppTheory WebSockets, as one Lambda handler for every route.
 *
 * - `$connect`: requires a `token` query parameter (verify it in a $connect authorizer or here),
 *   else the handshake is refused with 401 app.unauthorized.
 * - `$default`: parses the frame as JSON and echoes it back to the caller through the management API.
 * - `$disconnect`: logs ids and the close code (never headers, tokens or bodies).
 *
 * Build: `npm run build` bundles this file, the runtime and the AWS SDK into dist/handler.mjs
 * (Lambda handler `handler.handler`, Node.js 20+).
 */

import { AppError, AppErrorCode, createApp, type AppOptions } from "@apptheory/websocket";

/** The app; `options` lets tests swap in the strict fake management client. */
export function createEchoApp(options: AppOptions = {}) {
  const app = createApp({ webSocketSupport: true, ...options });

  app.webSocket("$connect", (ctx) => {
    const ws = ctx.asWebSocket();
    if (!ws.query["token"]?.trim()) {
      throw new AppError(AppErrorCode.UNAUTHORIZED, "a token query parameter is required");
    }
    return null; // 200, empty body: API Gateway accepts the connection
  });

  app.webSocket("$default", async (ctx) => {
    const ws = ctx.asWebSocket();
    const message = ws.json(); // a frame that is not JSON answers 400 app.bad_request
    await ws.sendJSONMessage({ echo: message, from: ws.connectionId });
    return { ok: true };
  });

  app.webSocket("$disconnect", (ctx) => {
    const ws = ctx.asWebSocket();
    console.log(
      JSON.stringify({
        event: "disconnect",
        connection_id: ws.connectionId,
        request_id: ws.requestId,
        status_code: ws.disconnectStatusCode,
      }),
    );
    return null;
  });

  return app;
}

/** The Lambda entry point. */
export const handler = createEchoApp().handler();
