/** Handler results and their API Gateway proxy form. */

import { setOwn } from "./event.js";
import { encodeCanonicalJson, isPlainObject } from "./json.js";
import { asciiLower, encodeBase64 } from "./text.js";

export const JSON_CONTENT_TYPE = "application/json; charset=utf-8";
export const TEXT_CONTENT_TYPE = "text/plain; charset=utf-8";
export const BINARY_CONTENT_TYPE = "application/octet-stream";

/** One header value or several. */
export type HeaderValues = string | readonly string[];

/** Response headers: name -> value(s). */
export type Headers = Readonly<Record<string, HeaderValues>>;

/** The Lambda proxy response API Gateway expects. */
export interface ProxyResponse {
  statusCode: number;
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  body: string;
  isBase64Encoded: boolean;
}

const HEADER_NAME_FORBIDDEN = /[\r\n: ]/;

/** An explicit response: status, headers (one or many values each) and a text or bytes body. */
export class Response {
  readonly status: number;
  readonly body: string | Uint8Array;
  readonly headers: Headers;

  constructor(status = 200, body: string | Uint8Array = "", headers: Headers = {}) {
    this.status = status;
    this.body = body;
    this.headers = headers;
  }

  /** A JSON response (canonical JSON, RFC 8785; content-type application/json; charset=utf-8). */
  static json(value: unknown, status = 200, headers: Headers = {}): Response {
    return new Response(status, encodeCanonicalJson(value), { "content-type": JSON_CONTENT_TYPE, ...headers });
  }

  /** A text response (content-type text/plain; charset=utf-8). */
  static text(value: string, status = 200, headers: Headers = {}): Response {
    return new Response(status, value, { "content-type": TEXT_CONTENT_TYPE, ...headers });
  }

  /** The Lambda proxy response; throws for a status or header that cannot be sent. */
  toProxy(): ProxyResponse {
    const status: unknown = this.status;
    if (typeof status !== "number" || !Number.isInteger(status) || status < 100 || status > 599) {
      throw new RangeError(`response status must be an integer 100-599, got ${String(status)}`);
    }
    const multi: Record<string, string[]> = {};
    for (const [name, values] of Object.entries(this.headers)) {
      const items: unknown[] = typeof values === "string" ? [values] : Array.isArray(values) ? values : [values];
      if (!name || HEADER_NAME_FORBIDDEN.test(name)) {
        throw new RangeError(`invalid response header name ${JSON.stringify(name)}`);
      }
      for (const item of items) {
        if (typeof item !== "string" || item.includes("\r") || item.includes("\n")) {
          throw new RangeError(`invalid value for response header ${JSON.stringify(name)}`);
        }
      }
      const key = asciiLower(name);
      const existing = Object.hasOwn(multi, key) ? multi[key] : undefined;
      if (existing === undefined) {
        setOwn(multi, key, [...(items as string[])]);
      } else {
        existing.push(...(items as string[]));
      }
    }
    const body: unknown = this.body;
    let text: string;
    let isBase64: boolean;
    if (body instanceof Uint8Array) {
      text = encodeBase64(body);
      isBase64 = true;
    } else if (typeof body === "string") {
      text = body;
      isBase64 = false;
    } else {
      throw new TypeError(`response body must be a string or Uint8Array, got ${typeof body}`);
    }
    const headers: Record<string, string> = {};
    for (const [name, values] of Object.entries(multi)) {
      const last = values[values.length - 1];
      if (last !== undefined) setOwn(headers, name, last);
    }
    return { statusCode: status, headers, multiValueHeaders: multi, body: text, isBase64Encoded: isBase64 };
  }
}

/** What a handler may return (checked at run time: a plain object or array is sent as JSON). */
export type HandlerResult = Response | Uint8Array | string | object | null | undefined | void;

/** Turn a handler's return value into a Response (docs/runtime.md "Handler results"). */
export function fromResult(result: unknown): Response {
  if (result instanceof Response) return result;
  if (result === null || result === undefined) return new Response();
  if (typeof result === "string") return Response.text(result);
  if (result instanceof Uint8Array) return new Response(200, result, { "content-type": BINARY_CONTENT_TYPE });
  if (Array.isArray(result) || isPlainObject(result)) return Response.json(result);
  const kind = typeof result === "object" ? (result.constructor?.name ?? "object") : typeof result;
  throw new TypeError(
    `handler returned ${kind}; return a Response, a plain object or array, a string, a Uint8Array or nothing`,
  );
}

/** The proxy response for a handler's result; JSON results (the common case) take a direct path. */
export function proxyFor(result: unknown): ProxyResponse {
  if (Array.isArray(result) || isPlainObject(result)) {
    return {
      statusCode: 200,
      headers: { "content-type": JSON_CONTENT_TYPE },
      multiValueHeaders: { "content-type": [JSON_CONTENT_TYPE] },
      body: encodeCanonicalJson(result),
      isBase64Encoded: false,
    };
  }
  return fromResult(result).toProxy();
}

/** The error envelope as a proxy response. */
export function errorResponse(code: string, message: string, status: number, requestId: string): ProxyResponse {
  return Response.json({ error: { code, message, request_id: requestId } }, status).toProxy();
}
