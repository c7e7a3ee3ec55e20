// `apptheory dev --cmd "node dist/local.js"`: the handler under the package's Lambda Runtime API loop.
import { start } from "@apptheory/websocket/runtime-api";

start(import("./handler.js").then((m) => m.handler));
