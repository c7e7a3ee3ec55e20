/**
 * Interpreter of the shared contract fixtures (`contract-tests/fixtures/*.json`).
 *
 * A fixture describes an app declaratively (route -> list of actions), the state of the strict fake
 * management API, one raw API Gateway WebSocket event and the expected outcome. `runFixture` builds
 * the app, handles the event and returns the outcome in canonical form, ready to compare with the
 * fixture's `expect` (see contract-tests/README.md; the Python runner implements the same rules).
 */

import { createHash } from "node:crypto";
import { isDeepStrictEqual } from "node:util";

import { App, type Handler, type Middleware } from "./app.js";
import type { BroadcastResult, Context, WebSocketContext } from "./context.js";
import { setOwn } from "./event.js";
import { AppError, ManagementError } from "./generated/errors.js";
import { FakeManagementClient, type ConnectionState, type Operation, type RecordedCall } from "./generated/fake.js";
import type { ConnectionInfo } from "./generated/streamer.js";
import { isPlainObject } from "./json.js";
import { Response, fromResult, type ProxyResponse } from "./response.js";
import { asciiLower, decodeBase64Strict, decodeUtf8, encodeBase64, encodeUtf8 } from "./text.js";

/** Variables unset for every run unless the fixture's app.env sets them. */
export const MANAGED_ENV = ["AWS_REGION", "AWS_DEFAULT_REGION", "APPTHEORY_WS_MANAGEMENT_ENDPOINT"] as const;

const FAKE_ENDPOINT = "https://fake.invalid";

/** The placeholder shape; a string that is exactly this must name a known placeholder. */
const PLACEHOLDER = /^\{([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\}$/;

type Json = unknown;

const WS_FIELDS: Readonly<Record<string, (ws: WebSocketContext) => unknown>> = {
  connection_id: (ws) => ws.connectionId,
  route_key: (ws) => ws.routeKey,
  event_type: (ws) => ws.eventType,
  domain_name: (ws) => ws.domainName,
  stage: (ws) => ws.stage,
  request_id: (ws) => ws.requestId,
  api_id: (ws) => ws.apiId,
  message_id: (ws) => ws.messageId,
  connected_at: (ws) => ws.connectedAt,
  request_time: (ws) => ws.requestTime,
  source_ip: (ws) => ws.sourceIp,
  user_agent: (ws) => ws.userAgent,
  headers: (ws) => ws.headers,
  multi_value_headers: (ws) => ws.multiValueHeaders,
  query: (ws) => ws.query,
  multi_value_query: (ws) => ws.multiValueQuery,
  authorizer: (ws) => ws.authorizer,
  path: (ws) => ws.path,
  is_base64: (ws) => ws.isBase64,
  disconnect_status_code: (ws) => ws.disconnectStatusCode,
  disconnect_reason: (ws) => ws.disconnectReason,
  management_endpoint: (ws) => ws.managementEndpoint,
  region: (ws) => ws.region,
};
const CONNECTION_FIELDS: Readonly<Record<string, (info: ConnectionInfo) => unknown>> = {
  connected_at: (info) => info.connectedAt,
  last_active_at: (info) => info.lastActiveAt,
  source_ip: (info) => info.sourceIp,
  user_agent: (info) => info.userAgent,
};
const ERROR_FIELDS: Readonly<Record<string, (err: ManagementError) => unknown>> = {
  type: (err) => err.name,
  status: (err) => err.status,
  aws_code: (err) => err.awsCode,
  retryable: (err) => err.retryable,
  operation: (err) => err.operation,
  connection_id: (err) => err.connectionId,
};
const BODY_FIELDS = new Set(["text", "json", "base64", "length", "sha256"]);
const BROADCAST_FIELDS = new Set(["sent", "gone", "failed"]);

const RESPOND_ACTIONS = new Set(["respond_json", "respond_text", "respond_base64", "respond_none", "respond"]);
const MANAGEMENT_ACTIONS = new Set([
  "send_json",
  "send_json_to",
  "send",
  "get_connection",
  "delete_connection",
  "broadcast",
]);
const OTHER_ACTIONS = new Set(["capture_errors", "parse_json", "raise_app_error", "raise_error"]);

/** The fixture itself is malformed (unknown action, bad placeholder, wrong argument type...). */
export class FixtureError extends Error {
  override readonly name: string = "FixtureError";
}

/**
 * A proxy response as fixtures state it: the runtime's own status, multiValueHeaders (exactly: names as
 * the runtime wrote them, values in order), body string (exactly) and isBase64Encoded.
 */
export interface CanonicalResponse {
  status: unknown;
  headers: Record<string, unknown>;
  body: unknown;
  is_base64: unknown;
}

/** The canonical form of one recorded management call. */
export interface CanonicalCall {
  op: string;
  endpoint: string;
  connection_id: string;
  data?: { encoding: "utf8" | "base64"; value: string };
}

/** What running a fixture produced, in the canonical form of the fixture's `expect`. */
export interface FixtureOutcome {
  readonly response: CanonicalResponse;
  readonly calls: CanonicalCall[];
}

interface Run {
  readonly fake: FakeManagementClient;
  /** (first call index, end call index, connection ids) of each broadcast, to order its calls. */
  readonly broadcasts: [number, number, string[]][];
}

interface HandlerState {
  capture: boolean;
  error: ManagementError | undefined;
  connection: ConnectionInfo | undefined;
  broadcast: BroadcastResult | undefined;
  broadcastIds: string[];
}

// ---- canonical forms ------------------------------------------------------------------------------

/**
 * The fixture form of a Lambda proxy response: its own values, unconverted. Throws when the proxy
 * breaks its invariant: `headers` must be {name: last value of multiValueHeaders[name]} for every name.
 */
export function canonicalResponse(proxy: ProxyResponse | Record<string, unknown>): CanonicalResponse {
  const raw = proxy as Record<string, unknown>;
  const multi = raw["multiValueHeaders"] ?? {};
  const single = raw["headers"] ?? {};
  if (!isPlainObject(multi) || !isPlainObject(single)) {
    throw new Error("proxy response: headers and multiValueHeaders must be objects");
  }
  const expected: Record<string, unknown> = {};
  for (const [name, values] of Object.entries(multi)) {
    if (!Array.isArray(values) || values.length === 0) {
      throw new Error(`proxy response: multiValueHeaders[${JSON.stringify(name)}] must be a non-empty list`);
    }
    setOwn(expected, name, values[values.length - 1]);
  }
  if (!isDeepStrictEqual(single, expected)) {
    throw new Error(
      `proxy response: headers ${JSON.stringify(single)} are not the last value of each ` +
        `multiValueHeaders list ${JSON.stringify(expected)}`,
    );
  }
  return { status: raw["statusCode"], headers: multi, body: raw["body"], is_base64: raw["isBase64Encoded"] };
}

/** The canonical form of one recorded management call. */
export function canonicalCall(call: RecordedCall): CanonicalCall {
  const out: CanonicalCall = { op: call.op, endpoint: call.endpoint, connection_id: call.connectionId };
  if (call.op === "post_to_connection") {
    const data = call.data ?? new Uint8Array(0);
    const text = decodeUtf8(data);
    out.data =
      text === undefined ? { encoding: "base64", value: encodeBase64(data) } : { encoding: "utf8", value: text };
  }
  return out;
}

// ---- running ----------------------------------------------------------------------------------------

/** Build the fixture's app, handle its event against the strict fake, return the canonical outcome. */
export async function runFixture(fixture: Readonly<Record<string, unknown>>): Promise<FixtureOutcome> {
  const appSpec = mapping(fixture["app"] ?? {}, "app");
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(mapping(appSpec["env"] ?? {}, "app.env"))) {
    env[name] = string(value, `app.env.${name}`);
  }
  const event = structuredClone(mapping(fixture["event"], "event"));
  const restore = setEnvironment(env);
  try {
    const fake = new FakeManagementClient(FAKE_ENDPOINT);
    seed(fake, mapping(fixture["management"] ?? {}, "management"), event);
    const run: Run = { fake, broadcasts: [] };
    const app = buildApp(appSpec, run);
    const lambdaSpec = fixture["lambda_context"];
    const lambdaContext =
      lambdaSpec === undefined
        ? undefined
        : {
            awsRequestId: string(
              mapping(lambdaSpec, "lambda_context")["aws_request_id"],
              "lambda_context.aws_request_id",
            ),
          };
    const proxy = await app.handle(event, lambdaContext);
    const calls = orderedCalls(fake.calls, run.broadcasts).map(canonicalCall);
    return { response: canonicalResponse(proxy), calls };
  } finally {
    restore();
  }
}

function setEnvironment(env: Readonly<Record<string, string>>): () => void {
  const names = new Set<string>([...MANAGED_ENV, ...Object.keys(env)]);
  const saved = new Map<string, string | undefined>();
  for (const name of names) saved.set(name, process.env[name]);
  for (const name of MANAGED_ENV) delete process.env[name];
  Object.assign(process.env, env);
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

function epochMs(value: unknown, where: string): Date | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new FixtureError(`${where} must be epoch milliseconds (integer)`);
  }
  return new Date(value);
}

function seed(fake: FakeManagementClient, management: Record<string, unknown>, event: Record<string, unknown>): void {
  const listed = new Set<string>();
  sequence(management["connections"] ?? [], "management.connections").forEach((entry, index) => {
    const where = `management.connections[${index}]`;
    if (typeof entry === "string") {
      fake.addConnection(entry);
      listed.add(entry);
      return;
    }
    const spec = mapping(entry, where);
    const connectionId = string(spec["id"], `${where}.id`);
    const options: {
      state: ConnectionState;
      connectedAt?: Date;
      lastActiveAt?: Date;
      sourceIp: string;
      userAgent: string;
    } = {
      state: (spec["state"] ?? "connected") as ConnectionState,
      sourceIp: string(spec["source_ip"] ?? "", `${where}.source_ip`),
      userAgent: string(spec["user_agent"] ?? "", `${where}.user_agent`),
    };
    const connectedAt = epochMs(spec["connected_at"], `${where}.connected_at`);
    const lastActiveAt = epochMs(spec["last_active_at"], `${where}.last_active_at`);
    if (connectedAt !== undefined) options.connectedAt = connectedAt;
    if (lastActiveAt !== undefined) options.lastActiveAt = lastActiveAt;
    fake.addConnection(connectionId, options);
    listed.add(connectionId);
  });
  const requestContext = event["requestContext"];
  if (isPlainObject(requestContext) && requestContext["eventType"] === "CONNECT") {
    const own = requestContext["connectionId"];
    if (typeof own === "string" && own && !listed.has(own)) fake.addConnection(own, { state: "connecting" });
  }
  sequence(management["fail"] ?? [], "management.fail").forEach((entry, index) => {
    const where = `management.fail[${index}]`;
    const spec = mapping(entry, where);
    const status = spec["status"];
    if (status !== undefined && (typeof status !== "number" || !Number.isInteger(status))) {
      throw new FixtureError(`${where}.status must be an integer`);
    }
    const scope = spec["connection_id"];
    const failure: { status?: number; connectionId?: string; sticky: boolean } = { sticky: spec["sticky"] === true };
    if (status !== undefined) failure.status = status as number;
    if (scope !== undefined) failure.connectionId = string(scope, `${where}.connection_id`);
    fake.fail(string(spec["op"], `${where}.op`) as Operation, string(spec["aws_code"], `${where}.aws_code`), failure);
  });
}

function buildApp(spec: Record<string, unknown>, run: Run): App {
  const support = spec["websocket_support"] ?? true;
  if (typeof support !== "boolean") throw new FixtureError("app.websocket_support must be a boolean");
  const endpoint = spec["management_endpoint"];
  const defaultActions = spec["default_handler"];
  const app = new App({
    webSocketSupport: support,
    webSocketClientFactory: run.fake.clientFactory,
    ...(endpoint === undefined ? {} : { managementEndpoint: string(endpoint, "app.management_endpoint") }),
    ...(defaultActions === undefined
      ? {}
      : {
          defaultHandler: makeHandler(sequence(defaultActions, "app.default_handler"), run, "app.default_handler"),
        }),
    logger: () => undefined,
  });
  sequence(spec["middleware"] ?? [], "app.middleware").forEach((entry, index) => {
    const [name, arg] = singleKey(entry, `app.middleware[${index}]`);
    if (name !== "append_header") throw new FixtureError(`app.middleware[${index}]: unknown middleware ${name}`);
    const header = mapping(arg, `app.middleware[${index}].append_header`);
    app.use(
      appendHeader(
        string(header["name"], `app.middleware[${index}].append_header.name`),
        string(header["value"], `app.middleware[${index}].append_header.value`),
      ),
    );
  });
  for (const [routeKey, actions] of Object.entries(mapping(spec["routes"] ?? {}, "app.routes"))) {
    const where = `app.routes[${JSON.stringify(routeKey)}]`;
    app.webSocket(routeKey, makeHandler(sequence(actions, where), run, where));
  }
  return app;
}

function appendHeader(name: string, value: string): Middleware {
  return (next) => async (ctx) => {
    const response = fromResult(await next(ctx));
    const headers: Record<string, string[]> = {};
    const add = (key: string, items: readonly string[]): void => {
      const lower = asciiLower(key);
      const list = Object.hasOwn(headers, lower) ? headers[lower] : undefined;
      if (list === undefined) setOwn(headers, lower, [...items]);
      else list.push(...items);
    };
    for (const [key, values] of Object.entries(response.headers)) {
      add(key, typeof values === "string" ? [values] : values);
    }
    add(name, [value]);
    return new Response(response.status, response.body, headers);
  };
}

function orderedCalls(calls: readonly RecordedCall[], broadcasts: Run["broadcasts"]): RecordedCall[] {
  const ordered = [...calls];
  for (const [start, end, ids] of broadcasts) {
    const rank = new Map<string, number>();
    ids.forEach((id, index) => {
      if (!rank.has(id)) rank.set(id, index);
    });
    const slice = ordered
      .slice(start, end)
      .map((call, index) => ({ call, index }))
      .sort((a, b) => {
        const byRank = (rank.get(a.call.connectionId) ?? ids.length) - (rank.get(b.call.connectionId) ?? ids.length);
        return byRank !== 0 ? byRank : a.index - b.index;
      })
      .map(({ call }) => call);
    ordered.splice(start, end - start, ...slice);
  }
  return ordered;
}

// ---- handlers ---------------------------------------------------------------------------------------

function makeHandler(actions: readonly unknown[], run: Run, where: string): Handler {
  const steps = actions.map((action, index) => singleKey(action, `${where}[${index}]`));
  steps.forEach(([name], index) => {
    if (!RESPOND_ACTIONS.has(name) && !MANAGEMENT_ACTIONS.has(name) && !OTHER_ACTIONS.has(name)) {
      throw new FixtureError(`${where}[${index}]: unknown action ${JSON.stringify(name)}`);
    }
  });
  return async (ctx: Context) => {
    const ws = ctx.asWebSocket();
    const state: HandlerState = {
      capture: false,
      error: undefined,
      connection: undefined,
      broadcast: undefined,
      broadcastIds: [],
    };
    for (const [index, [name, arg]] of steps.entries()) {
      const step = `${where}[${index}].${name}`;
      if (RESPOND_ACTIONS.has(name)) return respond(name, arg, ws, state, step);
      if (MANAGEMENT_ACTIONS.has(name)) {
        try {
          await manage(name, arg, ws, state, run, step);
        } catch (err) {
          if (!(err instanceof ManagementError) || !state.capture) throw err;
          state.error = err;
        }
      } else if (name === "capture_errors") {
        state.capture = true;
      } else if (name === "parse_json") {
        ws.json();
      } else if (name === "raise_app_error") {
        const spec = mapping(arg, step);
        const code = string(spec["code"], `${step}.code`);
        throw new AppError(code, string(substitute(spec["message"], ws, state), `${step}.message`));
      } else if (name === "raise_error") {
        throw new Error(string(arg, step));
      }
    }
    return null;
  };
}

function respond(name: string, arg: unknown, ws: WebSocketContext, state: HandlerState, where: string): unknown {
  if (name === "respond_json") return substitute(arg, ws, state);
  if (name === "respond_text") return string(substitute(arg, ws, state), where);
  if (name === "respond_base64") return b64decode(string(substitute(arg, ws, state), where), where);
  if (name === "respond_none") return null;
  const spec = mapping(arg, where);
  const status = spec["status"];
  if (typeof status !== "number" || !Number.isInteger(status))
    throw new FixtureError(`${where}.status must be an integer`);
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(mapping(spec["headers"] ?? {}, `${where}.headers`))) {
    setOwn(headers, key, string(substitute(value, ws, state), `${where}.headers.${key}`));
  }
  const body = string(substitute(spec["body"] ?? "", ws, state), `${where}.body`);
  return new Response(status, body, headers);
}

function payload(spec: Record<string, unknown>, ws: WebSocketContext, state: HandlerState, where: string): Uint8Array {
  const hasUtf8 = Object.hasOwn(spec, "utf8");
  if (hasUtf8 === Object.hasOwn(spec, "base64")) throw new FixtureError(`${where} needs exactly one of utf8 or base64`);
  const data = hasUtf8
    ? encodeUtf8(string(substitute(spec["utf8"], ws, state), `${where}.utf8`))
    : b64decode(string(substitute(spec["base64"], ws, state), `${where}.base64`), `${where}.base64`);
  const repeat = spec["repeat"] ?? 1;
  if (typeof repeat !== "number" || !Number.isInteger(repeat) || repeat < 1) {
    throw new FixtureError(`${where}.repeat must be a positive integer`);
  }
  const out = new Uint8Array(data.length * repeat);
  for (let i = 0; i < repeat; i++) out.set(data, i * data.length);
  return out;
}

async function manage(
  name: string,
  arg: unknown,
  ws: WebSocketContext,
  state: HandlerState,
  run: Run,
  where: string,
): Promise<void> {
  if (name === "send_json") {
    await ws.sendJSONMessage(substitute(arg, ws, state));
  } else if (name === "send_json_to") {
    const spec = mapping(arg, where);
    const target = string(substitute(spec["connection_id"], ws, state), `${where}.connection_id`);
    if (!Object.hasOwn(spec, "value")) throw new FixtureError(`${where} needs a value`);
    await ws.sendJSONMessage(substitute(spec["value"], ws, state), target);
  } else if (name === "send") {
    const spec = mapping(arg, where);
    const rawTarget = spec["connection_id"];
    const target =
      rawTarget === undefined ? undefined : string(substitute(rawTarget, ws, state), `${where}.connection_id`);
    await ws.sendMessage(payload(spec, ws, state, where), target);
  } else if (name === "get_connection") {
    state.connection = await ws.getConnection(string(substitute(arg, ws, state), where));
  } else if (name === "delete_connection") {
    await ws.disconnect(string(substitute(arg, ws, state), where));
  } else {
    const spec = mapping(arg, where);
    const ids = sequence(spec["connection_ids"], `${where}.connection_ids`).map((item, index) =>
      string(substitute(item, ws, state), `${where}.connection_ids[${index}]`),
    );
    const data = payload(spec, ws, state, where);
    const start = run.fake.calls.length;
    state.broadcast = await ws.broadcast(ids, data);
    state.broadcastIds = ids;
    run.broadcasts.push([start, run.fake.calls.length, ids]);
  }
}

// ---- placeholders -----------------------------------------------------------------------------------

/** Replace every string that is exactly {namespace.name}, at any depth (map keys excepted). */
function substitute(value: unknown, ws: WebSocketContext, state: HandlerState): Json {
  if (typeof value === "string") {
    const match = PLACEHOLDER.exec(value);
    return match === null ? value : resolve(match[1] as string, match[2] as string, ws, state);
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, ws, state));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) setOwn(out, key, substitute(item, ws, state));
    return out;
  }
  return value;
}

function resolve(namespace: string, name: string, ws: WebSocketContext, state: HandlerState): Json {
  const label = `{${namespace}.${name}}`;
  if (namespace === "ws" && Object.hasOwn(WS_FIELDS, name)) {
    return own((WS_FIELDS[name] as (ws: WebSocketContext) => unknown)(ws));
  }
  if (namespace === "body" && BODY_FIELDS.has(name)) {
    if (name === "text") return ws.text();
    if (name === "json") return ws.json();
    if (name === "base64") return encodeBase64(ws.body);
    if (name === "length") return ws.body.byteLength;
    return createHash("sha256").update(ws.body).digest("hex");
  }
  if (namespace === "connection" && Object.hasOwn(CONNECTION_FIELDS, name)) {
    if (state.connection === undefined) throw new FixtureError(`${label} used before any get_connection action`);
    return own((CONNECTION_FIELDS[name] as (info: ConnectionInfo) => unknown)(state.connection));
  }
  if (namespace === "broadcast" && BROADCAST_FIELDS.has(name)) {
    const result = state.broadcast;
    if (result === undefined) throw new FixtureError(`${label} used before any broadcast action`);
    const chosen = (id: string): boolean =>
      name === "sent" ? result.sent.includes(id) : name === "gone" ? result.gone.includes(id) : result.failed.has(id);
    return [...new Set(state.broadcastIds)].filter(chosen);
  }
  if (namespace === "error" && Object.hasOwn(ERROR_FIELDS, name)) {
    if (state.error === undefined) return null;
    return own((ERROR_FIELDS[name] as (err: ManagementError) => unknown)(state.error));
  }
  throw new FixtureError(`unknown placeholder ${label}`);
}

/**
 * A placeholder's value: the runtime's own value, unchanged, except the only conversions the fixture
 * format defines (identical in every language): a timestamp -> ISO-8601 UTC with milliseconds, bytes ->
 * standard base64, an absent optional value -> null. Maps, lists, numbers, strings and booleans pass
 * through and are encoded by the runtime's own encoder.
 */
function own(value: unknown): Json {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return encodeBase64(value);
  return value;
}

// ---- argument helpers ---------------------------------------------------------------------------------

function singleKey(value: unknown, where: string): [string, unknown] {
  if (!isPlainObject(value)) throw new FixtureError(`${where} must be an object with exactly one key`);
  const entries = Object.entries(value);
  const [entry] = entries;
  if (entries.length !== 1 || entry === undefined) {
    throw new FixtureError(`${where} must be an object with exactly one key`);
  }
  return entry;
}

function mapping(value: unknown, where: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new FixtureError(`${where} must be an object`);
  return value;
}

function sequence(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new FixtureError(`${where} must be an array`);
  return value;
}

function string(value: unknown, where: string): string {
  if (typeof value !== "string") throw new FixtureError(`${where} must be a string, got ${typeof value}`);
  return value;
}

function b64decode(text: string, where: string): Uint8Array {
  const decoded = decodeBase64Strict(text);
  if (decoded === undefined) throw new FixtureError(`${where} is not valid base64`);
  return decoded;
}
