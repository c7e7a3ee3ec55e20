/**
 * Reading typed fields from a raw API Gateway event, with the same rules and the same error wording
 * as the Python runtime's generated parser ("invalid event: <path> must be ...").
 */

import { Messages, type ErrorMessage } from "./generated/errors.js";
import { type JsonValue } from "./json.js";
import { asciiLower, decodeBase64Strict, encodeUtf8, pyStrip } from "./text.js";

export type { JsonValue } from "./json.js";

/** A raw event or any object inside it, as Lambda delivers it (parsed JSON). */
export type EventRecord = { readonly [key: string]: unknown };

/** A map of strings (headers, query parameters). */
export type StringMap = Record<string, string>;

/** A map of string lists (multi-value headers and query parameters). */
export type MultiMap = Record<string, string[]>;

/** Where a context field comes from and how it is read (generated from the IDL). */
export interface FieldSpec {
  readonly path: readonly string[];
  readonly required: boolean;
  readonly trim: boolean;
  readonly lowercaseKeys: boolean;
  readonly flag: readonly string[];
}

/** A field of the event is malformed; `errorMessage` is the runtime message to answer with. */
export class EventError extends Error {
  override readonly name: string = "EventError";
  readonly path: string;
  readonly problem: string;
  readonly errorMessage: ErrorMessage;

  constructor(path: string, problem: string, errorMessage: ErrorMessage = Messages.INVALID_EVENT) {
    super(problem ? `${path} ${problem}` : path);
    this.path = path;
    this.problem = problem;
    this.errorMessage = errorMessage;
  }
}

/** A mapping as Python's runtime sees one: a plain object (not an array, not a class instance). */
export function isMapping(value: unknown): value is EventRecord {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  // Fast path for JSON.parse output (the constructor check is an inline-cached property load).
  if ((value as { constructor?: unknown }).constructor === Object && !Object.hasOwn(value, "constructor")) return true;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Set an own property, even one named "__proto__" (plain assignment would change the prototype). */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

const MISSING: unique symbol = Symbol("missing");

// The object isMapping() last accepted: one event's fields mostly share requestContext.
let lastMapping: object | undefined;

function lookup(event: EventRecord, path: readonly string[]): unknown {
  let node: unknown = event;
  for (let depth = 0; depth < path.length; depth++) {
    if (node === null || node === undefined) return MISSING;
    if (node !== lastMapping) {
      if (!isMapping(node)) throw new EventError(path.slice(0, depth).join("."), "must be a mapping");
      lastMapping = node;
    }
    const record = node as EventRecord;
    const key = path[depth] as string;
    if (!Object.hasOwn(record, key)) return MISSING;
    node = record[key];
  }
  return node === null || node === undefined ? MISSING : node;
}

/**
 * Check the event's containers (requestContext, then requestContext.identity...), parents first, before
 * any field: each must be a mapping when present (absent or null reads as empty).
 */
export function checkContainers(event: EventRecord, containers: readonly (readonly string[])[]): void {
  for (const path of containers) {
    let node: unknown = event;
    for (const key of path) {
      node = isMapping(node) && Object.hasOwn(node, key) ? node[key] : undefined;
      if (node === null || node === undefined) break;
    }
    if (node !== null && node !== undefined && !isMapping(node)) {
      throw new EventError(path.join("."), "must be a mapping");
    }
  }
}

function where(spec: FieldSpec): string {
  return spec.path.join(".");
}

/** A string field: "" when absent; trimmed and required as the IDL says. */
export function stringField(event: EventRecord, spec: FieldSpec): string {
  let value = lookup(event, spec.path);
  if (value === MISSING) {
    value = "";
  } else if (typeof value !== "string") {
    throw new EventError(where(spec), "must be a string");
  }
  let text = value as string;
  if (spec.trim) text = pyStrip(text);
  if (spec.required && !text) throw new EventError(where(spec), "must not be empty");
  return text;
}

/**
 * An integer field: 0 when absent; a number with an integral value within +-(2^53 - 1), the integers a
 * double holds exactly, in every language (1000.0 is 1000; 2^53, 1000.5, "1000" and true are not).
 */
export function integerField(event: EventRecord, spec: FieldSpec): number {
  const value = lookup(event, spec.path);
  if (value === MISSING) return 0;
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new EventError(where(spec), "must be an integer");
  }
  // -0 (from "-0" or "-0.0") is the integer 0.
  return value === 0 ? 0 : value;
}

/** A boolean field: false when absent. */
export function booleanField(event: EventRecord, spec: FieldSpec): boolean {
  const value = lookup(event, spec.path);
  if (value === MISSING) return false;
  if (typeof value !== "boolean") throw new EventError(where(spec), "must be a boolean");
  return value;
}

/** The last millisecond of year 9999 (9999-12-31T23:59:59.999Z): the largest epoch-milliseconds value. */
export const MAX_EPOCH_MILLISECONDS = 253402300799999;

/** A timestamp field given in epoch milliseconds: null when absent. */
export function timestampField(event: EventRecord, spec: FieldSpec): Date | null {
  const value = lookup(event, spec.path);
  if (value === MISSING) return null;
  const ms = epochMilliseconds(value);
  if (ms === undefined) throw new EventError(where(spec), "must be epoch milliseconds");
  return new Date(ms);
}

/**
 * Epoch milliseconds as every language reads them: a number with an integral value from 0
 * (1970-01-01) through 253402300799999 (9999-12-31T23:59:59.999Z), 1795675238012.0 included;
 * undefined for anything else (negative, fractional, larger, not a number).
 */
export function epochMilliseconds(value: unknown): number | undefined {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_EPOCH_MILLISECONDS) {
    return undefined;
  }
  return value === 0 ? 0 : value;
}

/**
 * The body: bytes, base64-decoded strictly when the flag field is true. The flag is checked first (a
 * non-boolean flag is reported before a bad body); a text body's lone surrogates are sent on as U+FFFD.
 */
export function payloadField(event: EventRecord, spec: FieldSpec): Uint8Array {
  const isBase64 = spec.flag.length > 0 && flagSet(event, spec.flag);
  const value = lookup(event, spec.path);
  if (value === MISSING) return new Uint8Array(0);
  if (typeof value !== "string") throw new EventError(where(spec), "must be a string");
  if (isBase64) {
    const decoded = decodeBase64Strict(value);
    if (decoded === undefined) throw new EventError(where(spec), "", Messages.INVALID_BASE64);
    return decoded;
  }
  return encodeUtf8(value);
}

function flagSet(event: EventRecord, path: readonly string[]): boolean {
  const value = lookup(event, path);
  if (value === MISSING) return false;
  if (typeof value !== "boolean") throw new EventError(path.join("."), "must be a boolean");
  return value;
}

/** A map of strings: {} when absent; names lower-cased when the IDL says so. */
export function stringMapField(event: EventRecord, spec: FieldSpec): StringMap {
  const value = lookup(event, spec.path);
  const result: StringMap = {};
  if (value === MISSING) return result;
  if (!isMapping(value) || !Object.values(value).every((item) => typeof item === "string")) {
    throw new EventError(where(spec), "must be a mapping of strings");
  }
  for (const [key, item] of Object.entries(value)) {
    setOwn(result, spec.lowercaseKeys ? asciiLower(key) : key, item as string);
  }
  return result;
}

/** A map of string lists: {} when absent; lists of names that collide when lower-cased are joined. */
export function multiMapField(event: EventRecord, spec: FieldSpec): MultiMap {
  const value = lookup(event, spec.path);
  const result: MultiMap = {};
  if (value === MISSING) return result;
  const valid =
    isMapping(value) &&
    Object.values(value).every((list) => Array.isArray(list) && list.every((item) => typeof item === "string"));
  if (!valid) throw new EventError(where(spec), "must be a mapping of string lists");
  for (const [key, list] of Object.entries(value)) {
    const name = spec.lowercaseKeys ? asciiLower(key) : key;
    const existing = Object.hasOwn(result, name) ? result[name] : undefined;
    if (existing === undefined) {
      setOwn(result, name, [...(list as string[])]);
    } else {
      existing.push(...(list as string[]));
    }
  }
  return result;
}

/** Any JSON value, unchecked: null when absent. */
export function jsonField(event: EventRecord, spec: FieldSpec): JsonValue {
  const value = lookup(event, spec.path);
  return value === MISSING ? null : (value as JsonValue);
}
