/** The App: route registration, middleware and Lambda dispatch for API Gateway WebSocket events. */

import { randomUUID } from "node:crypto";

import { Context, WebSocketContext, type ContextHost, type LambdaContext } from "./context.js";
import * as derive from "./derive.js";
import { EventError, isMapping, type EventRecord } from "./event.js";
import { APP_ERROR_STATUS, AppError, Messages } from "./generated/errors.js";
import type { ManagementClient } from "./generated/streamer.js";
import { encodeCanonicalJson } from "./json.js";
import { errorResponse, proxyFor, type HandlerResult, type ProxyResponse } from "./response.js";
import { newClient } from "./streamer.js";
import { pyStrip } from "./text.js";

/** A route handler: takes the general context, returns a result (or a promise of one). */
export type Handler = (ctx: Context) => HandlerResult | Promise<HandlerResult>;

/** Middleware wraps the next handler: `(next) => (ctx) => ...`; the first registered is outermost. */
export type Middleware = (next: Handler) => Handler;

/** Builds the management client for an endpoint and region (one per endpoint per process). */
export type ClientFactory = (endpoint: string, region: string | undefined) => ManagementClient;

/** The Lambda handler `app.handler()` returns. */
export type LambdaHandler = (event: unknown, context?: LambdaContext) => Promise<ProxyResponse>;

/** Options of createApp(). */
export interface AppOptions {
  /** Accept WebSocket events even before any route is registered (registering a route turns it on). */
  readonly webSocketSupport?: boolean;
  /** Builds management clients; defaults to the SDK-backed `streamer.newClient`. Not a function: TypeError. */
  readonly webSocketClientFactory?: ClientFactory;
  /** Explicit management endpoint (else derived from the event: docs/runtime.md "Management endpoint and region"). */
  readonly managementEndpoint?: string;
  /** Handler for route keys with no exact registration (tried before `$default`). */
  readonly defaultHandler?: Handler;
  /** Where the one-line JSON record of an unhandled error goes (default: console.error). */
  readonly logger?: (line: string) => void;
}

/** The Lambda event is not one this app handles (not an API Gateway WebSocket event). */
export class UnknownEventError extends Error {
  override readonly name: string = "UnknownEventError";
}

/** A WebSocket event has a string requestContext.connectionId and a requestContext.routeKey. */
export function isWebSocketEvent(event: unknown): event is EventRecord & { readonly requestContext: EventRecord } {
  if (!isMapping(event)) return false;
  const requestContext = event["requestContext"];
  return (
    isMapping(requestContext) &&
    typeof requestContext["connectionId"] === "string" &&
    Object.hasOwn(requestContext, "routeKey")
  );
}

function defaultClientFactory(endpoint: string, region: string | undefined): ManagementClient {
  return newClient({ endpoint, region });
}

const MAX_MEMOIZED_ENDPOINTS = 1024;

/** An AppTheory application; `handler()` is the Lambda entry point. */
export class App implements ContextHost {
  readonly managementEndpoint: string | undefined;
  #webSocketSupport: boolean;
  #defaultHandler: Handler | undefined;
  readonly #clientFactory: ClientFactory;
  readonly #logger: (line: string) => void;
  readonly #routes = new Map<string, Handler>();
  readonly #middleware: Middleware[] = [];
  readonly #chains = new Map<Handler, Handler>();
  readonly #clients = new Map<string, ManagementClient>();
  #lastClient: readonly [string, string | undefined, ManagementClient] | undefined;
  readonly #endpoints = new Map<string, readonly [string, string]>();
  #lastEndpoint: readonly [string, string, string, string, readonly [string, string]] | undefined;
  /**
   * The variables endpoint and region derivation read (APPTHEORY_WS_MANAGEMENT_ENDPOINT, AWS_REGION,
   * AWS_DEFAULT_REGION), copied on the first event instead of read per event: process.env is a slow
   * lookup in Node, and Lambda's environment does not change while the process lives. A test that
   * changes one of them after the app handled an event calls `refreshEnvironment()`.
   */
  #env: derive.Env | undefined;

  constructor(options: AppOptions = {}) {
    // A default handler, like a route, only makes sense for WebSocket events: it turns support on.
    this.#webSocketSupport = options.webSocketSupport === true || options.defaultHandler !== undefined;
    const factory: unknown = options.webSocketClientFactory;
    if (factory !== undefined && typeof factory !== "function") {
      throw new TypeError(
        `webSocketClientFactory must be a function (endpoint, region) => ManagementClient, got ${describe(factory)}`,
      );
    }
    this.#clientFactory = options.webSocketClientFactory ?? defaultClientFactory;
    this.managementEndpoint = options.managementEndpoint;
    this.#defaultHandler = options.defaultHandler;
    this.#logger = options.logger ?? ((line) => console.error(line));
  }

  // ---- registration ---------------------------------------------------------------------

  /** Register a handler for a route key ($connect, $disconnect, $default or custom). Enables WebSocket support. */
  webSocket(routeKey: string, handler: Handler): this {
    if (typeof routeKey !== "string" || !pyStrip(routeKey)) {
      throw new TypeError("route key must be a non-empty string such as '$connect', '$default' or 'sendMessage'");
    }
    if (typeof handler !== "function") {
      throw new TypeError(`handler for route ${JSON.stringify(routeKey)} must be a function`);
    }
    if (this.#routes.has(routeKey)) {
      throw new Error(`route ${JSON.stringify(routeKey)} is already registered`);
    }
    this.#routes.set(routeKey, handler);
    this.#webSocketSupport = true;
    return this;
  }

  /** Add middleware `(next) => handler`; the first registered runs outermost. */
  use(middleware: Middleware): this {
    if (typeof middleware !== "function") {
      throw new TypeError("middleware must be a function: (next) => handler");
    }
    this.#middleware.push(middleware);
    this.#chains.clear();
    return this;
  }

  /** Handler for route keys with no exact registration (tried before `$default`). */
  setDefaultHandler(handler: Handler | undefined): this {
    this.#defaultHandler = handler;
    if (handler !== undefined) this.#webSocketSupport = true;
    this.#chains.clear();
    return this;
  }

  /** Whether WebSocket events are accepted. */
  get webSocketSupport(): boolean {
    return this.#webSocketSupport;
  }

  // ---- management clients ---------------------------------------------------------------

  /** The one client for this endpoint and region, created on first use and reused. */
  managementClient(endpoint: string, region: string | undefined): ManagementClient {
    const last = this.#lastClient;
    if (last !== undefined && last[0] === endpoint && last[1] === region) return last[2];
    const key = `${endpoint}\n${region ?? ""}`;
    let client = this.#clients.get(key);
    if (client === undefined) {
      client = this.#clientFactory(endpoint, region);
      this.#clients.set(key, client);
    }
    this.#lastClient = [endpoint, region, client];
    return client;
  }

  /** Re-read the environment variables the endpoint and region come from (for tests that change them). */
  refreshEnvironment(): this {
    this.#env = undefined;
    this.#endpoints.clear();
    this.#lastEndpoint = undefined;
    return this;
  }

  /** (management endpoint, region) for an event's fields, memoized per distinct input. */
  resolveEndpoint(domainName: string, stage: string, apiId: string, path: string): readonly [string, string] {
    const last = this.#lastEndpoint;
    if (last !== undefined && last[0] === domainName && last[1] === stage && last[2] === apiId && last[3] === path) {
      return last[4];
    }
    // Length-prefixed: no two different inputs share a key, whatever characters they hold.
    const key = `${domainName.length}:${domainName}${stage.length}:${stage}${apiId.length}:${apiId}${path}`;
    let resolved = this.#endpoints.get(key);
    if (resolved === undefined) {
      const env = (this.#env ??= snapshotEnvironment());
      const endpoint = derive.managementEndpoint({
        override: this.managementEndpoint ?? "",
        domainName,
        stage,
        apiId,
        path,
        env,
      });
      resolved = [endpoint, derive.region({ domainName, env })];
      // Bounded: a warm container sees few distinct APIs.
      if (this.#endpoints.size < MAX_MEMOIZED_ENDPOINTS) this.#endpoints.set(key, resolved);
    }
    this.#lastEndpoint = [domainName, stage, apiId, path, resolved];
    return resolved;
  }

  // ---- dispatch -------------------------------------------------------------------------

  #route(routeKey: string): Handler | undefined {
    return this.#routes.get(routeKey) ?? this.#defaultHandler ?? this.#routes.get("$default");
  }

  #chain(handler: Handler): Handler {
    let chain = this.#chains.get(handler);
    if (chain === undefined) {
      chain = handler;
      for (let i = this.#middleware.length - 1; i >= 0; i--) {
        chain = (this.#middleware[i] as Middleware)(chain);
      }
      this.#chains.set(handler, chain);
    }
    return chain;
  }

  /** Dispatch one API Gateway WebSocket event and return the proxy response (never throws for a bad event). */
  async handle(event: unknown, lambdaContext?: LambdaContext): Promise<ProxyResponse> {
    if (!isWebSocketEvent(event)) {
      throw new UnknownEventError(
        "unknown event: expected an API Gateway WebSocket event " +
          "(requestContext.connectionId string and requestContext.routeKey)",
      );
    }
    if (!this.#webSocketSupport) {
      throw new UnknownEventError(
        "WebSocket event received but WebSocket support is off: use createApp({ webSocketSupport: true }) " +
          "or register a route with app.webSocket(...)",
      );
    }
    const requestId = requestIdOf(event, lambdaContext);
    let webSocket: WebSocketContext;
    try {
      webSocket = new WebSocketContext(this, event, requestId);
    } catch (err) {
      if (err instanceof EventError) {
        return appErrorResponse(err.errorMessage.error(err.problem ? err.message : ""), requestId);
      }
      throw err;
    }
    const ctx = new Context(event, lambdaContext, requestId, webSocket);
    const handler = this.#route(webSocket.routeKey);
    try {
      if (handler === undefined) throw Messages.ROUTE_NOT_FOUND.error();
      const chain = this.#middleware.length === 0 ? handler : this.#chain(handler);
      return proxyFor(await chain(ctx));
    } catch (err) {
      if (err instanceof AppError) return appErrorResponse(err, requestId);
      this.#logFailure(err, requestId, webSocket);
      return appErrorResponse(Messages.INTERNAL.error(), requestId);
    }
  }

  /** The Lambda entry point: `export const handler = app.handler();`. */
  handler(): LambdaHandler {
    return (event, context) => this.handle(event, context);
  }

  /**
   * One structured line per unhandled error: ids and the error type, never bodies or headers.
   * Never throws: the line is canonical JSON (a lone surrogate in an id is logged as U+FFFD), and a
   * logger that throws is ignored, so the caller still gets its 500 response.
   */
  #logFailure(err: unknown, requestId: string, webSocket: WebSocketContext): void {
    try {
      this.#logger(
        encodeCanonicalJson({
          level: "error",
          message: "unhandled error in WebSocket handler",
          request_id: requestId,
          connection_id: webSocket.connectionId,
          route_key: webSocket.routeKey,
          error_type: errorType(err),
        }),
      );
    } catch {
      // Logging must not turn a 500 answer into a failed invocation.
    }
  }
}

/** Create an app: `createApp({ webSocketSupport: true })`. */
export function createApp(options: AppOptions = {}): App {
  return new App(options);
}

function requestIdOf(
  event: { readonly requestContext: EventRecord },
  lambdaContext: LambdaContext | undefined,
): string {
  const fromEvent = event.requestContext["requestId"];
  if (typeof fromEvent === "string" && pyStrip(fromEvent)) return pyStrip(fromEvent);
  const fromLambda: unknown = lambdaContext?.awsRequestId;
  if (typeof fromLambda === "string" && pyStrip(fromLambda)) return pyStrip(fromLambda);
  return randomUUID().replaceAll("-", "");
}

/** The variables derive.managementEndpoint and derive.region read, copied out of process.env. */
function snapshotEnvironment(): derive.Env {
  const env = process.env;
  return {
    [derive.ENDPOINT_ENV]: env[derive.ENDPOINT_ENV],
    AWS_REGION: env["AWS_REGION"],
    AWS_DEFAULT_REGION: env["AWS_DEFAULT_REGION"],
  };
}

function appErrorResponse(err: AppError, requestId: string): ProxyResponse {
  const status = err.status >= 400 && err.status <= 599 ? err.status : (APP_ERROR_STATUS.get("app.internal") ?? 500);
  return errorResponse(err.code, err.message, status, requestId);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  return typeof value;
}

function errorType(err: unknown): string {
  if (typeof err === "object" && err !== null) {
    const name = (err as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === "string" && name) return name;
  }
  return typeof err;
}
