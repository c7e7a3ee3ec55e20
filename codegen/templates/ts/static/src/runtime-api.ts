/**
 * The Lambda Runtime API loop, for a handler process that no managed Node.js runtime starts: a custom
 * runtime (`provided.al2023` whose bootstrap runs node) or the local gateway
 * (`apptheory dev --cmd "node dist/local.mjs"`). On Lambda's Node.js runtime, export the handler
 * instead: that runtime runs this loop itself.
 *
 *     import { start } from "@apptheory/websocket/runtime-api";
 *     start(import("./chat.js").then((m) => m.handler)); // or start(handler)
 *
 * Protocol (Runtime API 2018-06-01 at AWS_LAMBDA_RUNTIME_API=host:port): GET invocation/next (a long
 * poll) gives the event and its Lambda-Runtime-* headers; the handler's result goes to
 * invocation/{id}/response as JSON, a thrown error to invocation/{id}/error as
 * `{errorMessage, errorType}`; a handler that cannot be loaded is reported to init/error. Invocations
 * run one at a time, as in a Lambda sandbox. node:http with keep-alive and no client timeouts (the
 * poll may wait for minutes); logs one JSON line per failure, never events or results.
 */

import { Agent, request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http";

import type { LambdaContext } from "./context.js";

/** The Runtime API version in every path. */
export const RUNTIME_API_VERSION = "2018-06-01";

/** The Lambda context handlers receive (the fields of the managed Node.js runtime's context). */
export interface RuntimeContext extends LambdaContext {
  readonly awsRequestId: string;
  readonly invokedFunctionArn: string;
  readonly functionName: string;
  readonly functionVersion: string;
  readonly memoryLimitInMB: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  /** When Lambda stops the invocation, in ms since the epoch. */
  readonly deadlineMs: number;
  /** The X-Ray trace header of this invocation (also in process.env._X_AMZN_TRACE_ID while it runs). */
  readonly traceId: string | undefined;
  /** Lambda-Runtime-Client-Context, parsed (mobile SDK invocations). */
  readonly clientContext: unknown;
  /** Lambda-Runtime-Cognito-Identity, parsed (mobile SDK invocations). */
  readonly identity: unknown;
  getRemainingTimeInMillis(): number;
}

/** A handler: event and context in, a JSON-serializable result (or a promise of one) out. */
export type RuntimeHandler = (event: unknown, context: RuntimeContext) => unknown;

/** Options of serve() and start(). */
export interface ServeOptions {
  /** host:port of the Runtime API (default: AWS_LAMBDA_RUNTIME_API). */
  readonly runtimeApi?: string;
  /** Stop: a pending poll is dropped, an invocation in progress is finished and answered first. */
  readonly signal?: AbortSignal;
  /** Return after this many invocations (tests). */
  readonly maxInvocations?: number;
  /** Where the one-line JSON record of a failure goes (default: console.error). */
  readonly logger?: (line: string) => void;
}

/** The Runtime API is missing, unreachable or answered what the protocol does not allow: the loop stops. */
export class RuntimeApiError extends Error {
  override readonly name: string = "RuntimeApiError";
}

/** The body posted to init/error and invocation/{id}/error. */
export interface ErrorPayload {
  readonly errorMessage: string;
  readonly errorType: string;
}

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

interface Invocation {
  readonly requestId: string;
  readonly body: Buffer;
  readonly context: RuntimeContext;
}

const ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type";

/** Run the loop until stopped (signal, maxInvocations); rejects when the Runtime API fails or init fails. */
export async function serve(
  handler: RuntimeHandler | PromiseLike<RuntimeHandler>,
  options: ServeOptions = {},
): Promise<void> {
  const api = options.runtimeApi ?? process.env["AWS_LAMBDA_RUNTIME_API"] ?? "";
  const log = options.logger ?? ((line: string) => console.error(line));
  // A rejected init promise is reported below, never an unhandled rejection (even with no Runtime API).
  const pending = Promise.resolve(handler);
  pending.catch(() => undefined);
  const client = new RuntimeApiClient(api);
  try {
    const fn = await client.init(pending);
    const max = options.maxInvocations ?? Number.POSITIVE_INFINITY;
    for (let served = 0; served < max && options.signal?.aborted !== true; served++) {
      const invocation = await client.next(options.signal);
      if (invocation === undefined) return; // stopped while waiting
      await run(fn, invocation, client, log);
    }
  } finally {
    client.close();
  }
}

/**
 * The process entry point: serve(handler); when the loop fails (no Runtime API, init error, the API
 * answering 500), log one line and exit 1, as a Lambda runtime does.
 */
export function start(handler: RuntimeHandler | PromiseLike<RuntimeHandler>, options: ServeOptions = {}): void {
  const log = options.logger ?? ((line: string) => console.error(line));
  serve(handler, options).catch((err: unknown) => {
    log(JSON.stringify({ level: "error", message: "runtime loop stopped", ...errorPayload(err) }));
    process.exit(1);
  });
}

async function run(
  fn: RuntimeHandler,
  invocation: Invocation,
  client: RuntimeApiClient,
  log: (line: string) => void,
): Promise<void> {
  const { requestId, context } = invocation;
  const env = process.env;
  if (context.traceId === undefined) delete env["_X_AMZN_TRACE_ID"];
  else env["_X_AMZN_TRACE_ID"] = context.traceId;
  let body: string;
  try {
    let event: unknown;
    try {
      event = JSON.parse(invocation.body.toString("utf8"));
    } catch {
      throw namedError("Runtime.UnmarshalError", "the event is not valid JSON");
    }
    const result: unknown = await fn(event, context);
    body = JSON.stringify(result === undefined ? null : result) ?? "null";
  } catch (err) {
    const payload = errorPayload(err);
    log(
      JSON.stringify({
        level: "error",
        message: "handler failed",
        request_id: requestId,
        error_type: payload.errorType,
      }),
    );
    await client.invocationError(requestId, payload);
    return;
  }
  const status = await client.respond(requestId, body);
  if (status === 413) {
    log(JSON.stringify({ level: "error", message: "response too large", request_id: requestId }));
    await client.invocationError(requestId, {
      errorMessage: "the response is larger than the Runtime API accepts",
      errorType: "Function.ResponseSizeTooLarge",
    });
  } else if (status >= 400) {
    // 400/403: the invocation is over (e.g. timed out); the next one is still served.
    log(JSON.stringify({ level: "warning", message: "response not accepted", request_id: requestId, status }));
  }
}

/** `{errorMessage, errorType}` of anything thrown. */
function errorPayload(err: unknown): ErrorPayload {
  if (err instanceof Error) {
    const name = err.name && err.name !== "Error" ? err.name : err.constructor.name || "Error";
    return { errorMessage: err.message, errorType: name };
  }
  return { errorMessage: String(err), errorType: typeof err };
}

function namedError(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === "" ? undefined : first;
}

function parsedHeader(headers: IncomingHttpHeaders, name: string): unknown {
  const value = header(headers, name);
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

/** The HTTP side: one keep-alive connection, requests one at a time. */
class RuntimeApiClient {
  readonly #base: URL;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 1 });

  constructor(api: string) {
    if (!api) {
      throw new RuntimeApiError(
        "AWS_LAMBDA_RUNTIME_API is not set: run under Lambda (a custom runtime) or `apptheory dev --cmd`",
      );
    }
    let base: URL | undefined;
    try {
      base = /^[^\s/?#@\\]+$/.test(api) ? new URL(`http://${api}/${RUNTIME_API_VERSION}/runtime/`) : undefined;
    } catch {
      base = undefined;
    }
    if (base === undefined) {
      throw new RuntimeApiError(`AWS_LAMBDA_RUNTIME_API must be host:port, got ${JSON.stringify(api)}`);
    }
    this.#base = base;
  }

  close(): void {
    this.#agent.destroy();
  }

  /** The handler, or init/error reported and the failure rethrown. */
  async init(handler: PromiseLike<RuntimeHandler>): Promise<RuntimeHandler> {
    let payload: ErrorPayload;
    let failure: unknown;
    try {
      const resolved: unknown = await handler;
      if (typeof resolved === "function") return resolved as RuntimeHandler;
      failure = new TypeError(`the handler is not a function (got ${resolved === null ? "null" : typeof resolved})`);
      payload = { errorMessage: (failure as Error).message, errorType: "Runtime.HandlerNotFound" };
    } catch (err) {
      failure = err;
      payload = errorPayload(err);
    }
    await this.#postError("init/error", payload);
    throw failure;
  }

  /** The next invocation (undefined when stopped by the signal). */
  async next(signal: AbortSignal | undefined): Promise<Invocation | undefined> {
    let reply: Reply;
    try {
      reply = await this.#send("GET", "invocation/next", undefined, {}, signal);
    } catch (err) {
      if (signal?.aborted === true) return undefined;
      throw err;
    }
    if (reply.status !== 200) {
      throw new RuntimeApiError(`GET invocation/next answered ${reply.status}`);
    }
    const headers = reply.headers;
    const requestId = header(headers, "Lambda-Runtime-Aws-Request-Id");
    if (requestId === undefined) {
      throw new RuntimeApiError("GET invocation/next answered without Lambda-Runtime-Aws-Request-Id");
    }
    const deadline = Number(header(headers, "Lambda-Runtime-Deadline-Ms"));
    const deadlineMs = Number.isFinite(deadline) && deadline > 0 ? deadline : Number.MAX_SAFE_INTEGER;
    const env = process.env;
    const context: RuntimeContext = {
      awsRequestId: requestId,
      invokedFunctionArn: header(headers, "Lambda-Runtime-Invoked-Function-Arn") ?? "",
      functionName: env["AWS_LAMBDA_FUNCTION_NAME"] ?? "",
      functionVersion: env["AWS_LAMBDA_FUNCTION_VERSION"] ?? "$LATEST",
      memoryLimitInMB: env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] ?? "",
      logGroupName: env["AWS_LAMBDA_LOG_GROUP_NAME"] ?? "",
      logStreamName: env["AWS_LAMBDA_LOG_STREAM_NAME"] ?? "",
      deadlineMs,
      traceId: header(headers, "Lambda-Runtime-Trace-Id"),
      clientContext: parsedHeader(headers, "Lambda-Runtime-Client-Context"),
      identity: parsedHeader(headers, "Lambda-Runtime-Cognito-Identity"),
      getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    };
    return { requestId, body: reply.body, context };
  }

  /** POST the result; returns the status (202, or 400/403/413 for a response not accepted). */
  async respond(requestId: string, body: string): Promise<number> {
    const reply = await this.#send("POST", `invocation/${encodeURIComponent(requestId)}/response`, body, {
      "Content-Type": "application/json",
    });
    if (reply.status >= 500) throw new RuntimeApiError(`POST invocation/response answered ${reply.status}`);
    return reply.status;
  }

  async invocationError(requestId: string, payload: ErrorPayload): Promise<void> {
    await this.#postError(`invocation/${encodeURIComponent(requestId)}/error`, payload);
  }

  async #postError(path: string, payload: ErrorPayload): Promise<void> {
    const body = JSON.stringify({ errorMessage: payload.errorMessage, errorType: payload.errorType });
    const reply = await this.#send("POST", path, body, {
      "Content-Type": "application/json",
      [ERROR_TYPE_HEADER]: asciiHeader(payload.errorType),
    });
    if (reply.status >= 500) throw new RuntimeApiError(`POST ${path} answered ${reply.status}`);
  }

  /** One request; a keep-alive connection the server closed meanwhile is retried once on a new one. */
  async #send(
    method: string,
    path: string,
    body: string | undefined,
    headers: OutgoingHttpHeaders,
    signal?: AbortSignal,
  ): Promise<Reply> {
    try {
      return await this.#attempt(method, path, body, headers, signal);
    } catch (err) {
      if (!(err instanceof StaleConnectionError)) throw err;
      return this.#attempt(method, path, body, headers, signal);
    }
  }

  #attempt(
    method: string,
    path: string,
    body: string | undefined,
    headers: OutgoingHttpHeaders,
    signal: AbortSignal | undefined,
  ): Promise<Reply> {
    const url = new URL(path, this.#base);
    const outgoing: OutgoingHttpHeaders = { ...headers };
    if (body !== undefined) outgoing["Content-Length"] = Buffer.byteLength(body);
    return new Promise<Reply>((resolve, reject) => {
      const req = request(url, { method, headers: outgoing, agent: this.#agent, signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      });
      req.on("error", (err: NodeJS.ErrnoException) => {
        if (req.reusedSocket && (err.code === "ECONNRESET" || err.code === "EPIPE"))
          reject(new StaleConnectionError(err.message));
        else if (signal?.aborted === true) reject(err);
        else reject(new RuntimeApiError(`${method} ${path}: ${err.message}`, { cause: err }));
      });
      req.end(body);
    });
  }
}

class StaleConnectionError extends Error {}

/** Header values must be visible ASCII; an error name is (anything else becomes "?"). */
function asciiHeader(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, "?");
}
