/** Handler contexts: the general Context and its WebSocket view. */

import type { EventRecord, JsonValue } from "./event.js";
import * as constants from "./generated/constants.js";
import { GoneError, ManagementError, Messages } from "./generated/errors.js";
import { WebSocketFields } from "./generated/fields.js";
import { checkPayloadSize, type ConnectionInfo, type ManagementClient } from "./generated/streamer.js";
import { encodeJson } from "./json.js";
import { decodeUtf8, encodeUtf8 } from "./text.js";

/** Fan-out width of broadcast() unless told otherwise. */
export const DEFAULT_BROADCAST_CONCURRENCY = 8;

/** The Lambda context fields the runtime reads (the real context object has them). */
export interface LambdaContext {
  readonly awsRequestId?: string;
}

/** What the WebSocket context needs from its app (implemented by App). */
export interface ContextHost {
  resolveEndpoint(domainName: string, stage: string, apiId: string, path: string): readonly [string, string];
  managementClient(endpoint: string, region: string | undefined): ManagementClient;
}

/** The app is missing configuration it needs for a call (e.g. no management endpoint). */
export class ConfigurationError extends Error {
  override readonly name: string = "ConfigurationError";
}

/** Outcome of a fan-out: ids sent to, ids that were gone, and ids whose send failed otherwise. */
export class BroadcastResult {
  readonly sent: string[] = [];
  readonly gone: string[] = [];
  readonly failed: Map<string, ManagementError> = new Map();
}

/** Options of broadcast(). */
export interface BroadcastOptions {
  readonly maxConcurrency?: number;
}

function asBytes(data: Uint8Array | string): Uint8Array {
  if (typeof data === "string") return encodeUtf8(data);
  if (data instanceof Uint8Array) return data;
  throw new TypeError(`data must be a Uint8Array or a string, got ${typeof data}`);
}

/** Deepest nesting of arrays/objects a JSON body may have (`1` is 0, `[]` is 1), the same in every language. */
export const MAX_JSON_NESTING = 128;

// A number can overflow a double only with an exponent or 309+ digits: only then is the value walked.
const MAY_OVERFLOW = /[0-9][eE]|[0-9]{309}/;

/** True when valid JSON text nests arrays/objects deeper than `limit` (brackets in strings do not count). */
function deeperThan(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    } else if (c === 0x22) {
      // Skip the string: the text is valid JSON, so a quote not escaped by a backslash ends it.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    }
  }
  return false;
}

/** True when a parsed JSON value holds a number JSON.parse rounded to +-Infinity (1e400). */
function hasInfinity(value: JsonValue): boolean {
  const stack: JsonValue[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === "number") {
      if (!Number.isFinite(node)) return true;
    } else if (Array.isArray(node)) {
      for (const item of node) stack.push(item);
    } else if (typeof node === "object" && node !== null) {
      for (const item of Object.values(node)) stack.push(item);
    }
  }
  return false;
}

/** The WebSocket view of a request: typed event fields, body helpers and management calls. */
export class WebSocketContext extends WebSocketFields {
  readonly #host: ContextHost;
  readonly #rawText: string | undefined;
  #endpoint: readonly [string, string] | undefined;

  constructor(host: ContextHost, event: EventRecord, requestId: string) {
    super(event);
    // The request id is resolved by the app (event, then Lambda context, then generated).
    (this as { requestId: string }).requestId = requestId;
    this.#host = host;
    // A text frame's body is this string; text() and json() need not decode its bytes again.
    this.#rawText = this.isBase64 || typeof event["body"] !== "string" ? undefined : event["body"];
  }

  #resolve(): readonly [string, string] {
    this.#endpoint ??= this.#host.resolveEndpoint(this.domainName, this.stage, this.apiId, this.path);
    return this.#endpoint;
  }

  /** URL of the management API for this connection ("" when it cannot be known). */
  get managementEndpoint(): string {
    return this.#resolve()[0];
  }

  /** AWS region of the API ("" when unknown). */
  get region(): string {
    return this.#resolve()[1];
  }

  // ---- body ------------------------------------------------------------------------------

  /** The body as UTF-8 text; a body that is not UTF-8 answers 400 app.bad_request. */
  text(): string {
    const raw = this.#rawText;
    // A text frame's lone surrogates are U+FFFD in the body bytes, so in the text too.
    if (raw !== undefined) return raw.isWellFormed() ? raw : raw.toWellFormed();
    const text = decodeUtf8(this.body);
    if (text === undefined) throw Messages.INVALID_UTF8.error();
    return text;
  }

  /**
   * The body parsed as strict JSON (RFC 8259; no content-type needed). Invalid JSON, a byte order mark,
   * nesting deeper than MAX_JSON_NESTING or a number beyond a double's range (1e400) answer 400
   * app.bad_request "invalid json", the same in every language; duplicate keys: the last one wins.
   */
  json(): JsonValue {
    const raw = this.#rawText;
    const text = raw !== undefined ? (raw.isWellFormed() ? raw : raw.toWellFormed()) : decodeUtf8(this.body);
    if (text === undefined) throw Messages.INVALID_JSON.error();
    let value: JsonValue;
    try {
      value = JSON.parse(text) as JsonValue;
    } catch {
      throw Messages.INVALID_JSON.error();
    }
    if (
      (text.length > 2 * MAX_JSON_NESTING && deeperThan(text, MAX_JSON_NESTING)) ||
      (MAY_OVERFLOW.test(text) && hasInfinity(value))
    ) {
      throw Messages.INVALID_JSON.error();
    }
    return value;
  }

  // ---- management API --------------------------------------------------------------------

  #client(): ManagementClient {
    const resolved = this.#resolve();
    const endpoint = resolved[0];
    if (!endpoint) {
      throw new ConfigurationError(
        "no management endpoint: the event has no domainName; pass createApp({ managementEndpoint }) " +
          "or set APPTHEORY_WS_MANAGEMENT_ENDPOINT",
      );
    }
    return this.#host.managementClient(endpoint, resolved[1] || undefined);
  }

  // sendMessage and sendJSONMessage are not `async`: they hand back the client's promise itself (one
  // promise per send instead of three); an error before the call is still a rejected promise, never a throw.

  /** Send bytes (or UTF-8 text) to a connection, the caller when omitted (a blank id: InvalidConnectionError). */
  sendMessage(data: Uint8Array | string, connectionId?: string): Promise<void> {
    try {
      const target = connectionId ?? this.connectionId;
      const payload = asBytes(data);
      checkPayloadSize("post_to_connection", target, payload, constants.MESSAGE_BYTES);
      return Promise.resolve(this.#client().postToConnection(target, payload));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Send a value as canonical JSON (RFC 8785, see encodeJson); a lone surrogate is sent as U+FFFD. */
  sendJSONMessage(value: unknown, connectionId?: string): Promise<void> {
    let payload: Uint8Array;
    try {
      payload = encodeJson(value);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.sendMessage(payload, connectionId);
  }

  /** Describe a connection, the caller when omitted (a blank id: InvalidConnectionError). */
  async getConnection(connectionId?: string): Promise<ConnectionInfo> {
    return this.#client().getConnection(connectionId ?? this.connectionId);
  }

  /** Close a connection, the caller when omitted; one already gone is success (disconnect is idempotent). */
  async disconnect(connectionId?: string): Promise<void> {
    return this.#client().deleteConnection(connectionId ?? this.connectionId);
  }

  /** Send one payload to many connections with bounded concurrency; one bad target never fails the rest. */
  async broadcast(
    connectionIds: Iterable<string>,
    data: Uint8Array | string,
    options: BroadcastOptions = {},
  ): Promise<BroadcastResult> {
    const maxConcurrency = options.maxConcurrency ?? DEFAULT_BROADCAST_CONCURRENCY;
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
      throw new RangeError("maxConcurrency must be an integer of at least 1");
    }
    const targets = [...new Set(connectionIds)];
    const payload = asBytes(data);
    const result = new BroadcastResult();
    const first = targets[0];
    if (first === undefined) return result;
    checkPayloadSize("post_to_connection", first, payload, constants.MESSAGE_BYTES);
    const client = this.#client();
    const outcomes: (ManagementError | null)[] = new Array<ManagementError | null>(targets.length).fill(null);
    const unexpected: { index: number; error: unknown }[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < targets.length) {
        const index = next++;
        try {
          await client.postToConnection(targets[index] as string, payload);
        } catch (err) {
          if (err instanceof ManagementError) outcomes[index] = err;
          else unexpected.push({ index, error: err });
        }
      }
    };
    const workers = Math.min(maxConcurrency, targets.length);
    await Promise.all(Array.from({ length: workers }, worker));
    if (unexpected.length > 0) {
      unexpected.sort((a, b) => a.index - b.index);
      throw (unexpected[0] as { error: unknown }).error;
    }
    targets.forEach((target, index) => {
      const error = outcomes[index];
      if (error === null || error === undefined) result.sent.push(target);
      else if (error instanceof GoneError) result.gone.push(target);
      else result.failed.set(target, error);
    });
    return result;
  }
}

/** What every handler receives; `asWebSocket()` gives the WebSocket view (as in Lift). */
export class Context {
  readonly event: EventRecord;
  readonly lambdaContext: LambdaContext | undefined;
  readonly requestId: string;
  readonly #webSocket: WebSocketContext | undefined;
  #values: Map<string, unknown> | undefined; // made on the first set(): most requests store nothing

  constructor(
    event: EventRecord,
    lambdaContext: LambdaContext | undefined,
    requestId: string,
    webSocket: WebSocketContext | undefined,
  ) {
    this.event = event;
    this.lambdaContext = lambdaContext;
    this.requestId = requestId;
    this.#webSocket = webSocket;
  }

  /** The WebSocket context; throws TypeError when the request is not a WebSocket event. */
  asWebSocket(): WebSocketContext {
    if (this.#webSocket === undefined) throw new TypeError("this request is not a WebSocket event");
    return this.#webSocket;
  }

  /** Store a value for later middleware or the handler. */
  set(key: string, value: unknown): void {
    (this.#values ??= new Map()).set(key, value);
  }

  /** A value stored with set(), or `fallback`. */
  get(key: string, fallback?: unknown): unknown {
    const values = this.#values;
    return values !== undefined && values.has(key) ? values.get(key) : fallback;
  }
}
