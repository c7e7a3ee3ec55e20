/**
 * The chat handler as a process that speaks the Lambda Runtime API: what `apptheory dev --cmd` runs.
 *
 *     apptheory dev --cmd "node examples/chat/ts/dist/local.mjs" --routes '$connect,$disconnect,$default,say'
 *
 * The bundle (dist/local.mjs) loads the Lambda bundle next to it (dist/chat.mjs) rather than a copy,
 * so local runs exercise the deployed file; a failure to load it is reported to the Runtime API's
 * init/error and the process exits 1.
 */

import { start } from "@apptheory/websocket/runtime-api";

start(import("./chat.js").then((chat) => chat.handler));
