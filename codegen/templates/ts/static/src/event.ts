/**
 * Reading typed fields from a raw API Gateway event, with the same rules and the same error wording
 * as the Python runtime's generated parser ("invalid event: <path> must be ...").
 */

import { Messages, type ErrorMessage } from "./generated/errors.js";
import { type JsonValue } from "./json.js";
import { asciiLower, decodeBase64Strict, pyStrip } from "./text.js";

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
  /** The last element of `path`: the member read from the field's container. */
  readonly key: string;
  /** `path` joined with ".", as error messages name it. */
  readonly where: string;
  readonly required: boolean;
  readonly trim: boolean;
  readonly lowercaseKeys: boolean;
  readonly flag: readonly string[];
  /** The last element of `flag` ("" when there is no flag). */
  readonly flagKey: string;
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

/**
 * The event itself as the root container of its fields: undefined when null or absent (every field then
 * reads as absent); anything else that is not a mapping is refused with the empty path.
 *
 * The generated parser (generated/fields.ts) resolves each container once, parents first and in the
 * IDL's container order (`root`, then `container` for requestContext, requestContext.identity...), then
 * reads each field from its container with the readers below, in IDL order: the first failure answers.
 */
export function root(event: unknown): EventRecord | undefined {
  if (event === null || event === undefined) return undefined;
  if (!isMapping(event)) throw new EventError("", "must be a mapping");
  return event;
}

/** A container inside a container: undefined when absent or null; a mapping, or EventError naming `where`. */
export function container(parent: EventRecord | undefined, key: string, where: string): EventRecord | undefined {
  if (parent === undefined || !Object.hasOwn(parent, key)) return undefined;
  const node = parent[key];
  if (node === null || node === undefined) return undefined;
  if (!isMapping(node)) throw new EventError(where, "must be a mapping");
  return node;
}

/** A member of a container; undefined when the container or the member is absent or null. */
function member(record: EventRecord | undefined, key: string): unknown {
  if (record === undefined || !Object.hasOwn(record, key)) return undefined;
  const value = record[key];
  return value === null ? undefined : value;
}

/** A string field: "" when absent; trimmed and required as the IDL says. */
export function stringField(record: EventRecord | undefined, spec: FieldSpec): string {
  const value = member(record, spec.key);
  let text: string;
  if (typeof value === "string") {
    text = spec.trim ? pyStrip(value) : value;
  } else if (value === undefined) {
    text = "";
  } else {
    throw new EventError(spec.where, "must be a string");
  }
  if (spec.required && !text) throw new EventError(spec.where, "must not be empty");
  return text;
}

/**
 * An integer field: 0 when absent; a number with an integral value within +-(2^53 - 1), the integers a
 * double holds exactly, in every language (1000.0 is 1000; 2^53, 1000.5, "1000" and true are not).
 */
export function integerField(record: EventRecord | undefined, spec: FieldSpec): number {
  const value = member(record, spec.key);
  if (value === undefined) return 0;
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new EventError(spec.where, "must be an integer");
  }
  // -0 (from "-0" or "-0.0") is the integer 0.
  return value === 0 ? 0 : value;
}

/** A boolean field: false when absent. */
export function booleanField(record: EventRecord | undefined, spec: FieldSpec): boolean {
  const value = member(record, spec.key);
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw new EventError(spec.where, "must be a boolean");
  return value;
}

/** The last millisecond of year 9999 (9999-12-31T23:59:59.999Z): the largest epoch-milliseconds value. */
export const MAX_EPOCH_MILLISECONDS = 253402300799999;

/** A timestamp field given in epoch milliseconds: null when absent. */
export function timestampField(record: EventRecord | undefined, spec: FieldSpec): Date | null {
  const value = member(record, spec.key);
  if (value === undefined) return null;
  const ms = epochMilliseconds(value);
  if (ms === undefined) throw new EventError(spec.where, "must be epoch milliseconds");
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
 * non-boolean flag is reported before a bad body). A text body is returned as the string itself, valid
 * as it is: its UTF-8 bytes (lone surrogates as U+FFFD, see `encodeUtf8`) are made on first read.
 */
export function payloadField(
  record: EventRecord | undefined,
  spec: FieldSpec,
  flagRecord?: EventRecord, // the flag's container; absent for a bytes field without a base64 flag
): Uint8Array | string {
  const isBase64 = spec.flagKey !== "" && flagSet(flagRecord, spec);
  const value = member(record, spec.key);
  if (value === undefined) return new Uint8Array(0);
  if (typeof value !== "string") throw new EventError(spec.where, "must be a string");
  if (isBase64) {
    const decoded = decodeBase64Strict(value);
    if (decoded === undefined) throw new EventError(spec.where, "", Messages.INVALID_BASE64);
    return decoded;
  }
  return value;
}

function flagSet(record: EventRecord | undefined, spec: FieldSpec): boolean {
  const value = member(record, spec.flagKey);
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw new EventError(spec.flag.join("."), "must be a boolean");
  return value;
}

/** A map of strings: {} when absent; names lower-cased when the IDL says so. */
export function stringMapField(record: EventRecord | undefined, spec: FieldSpec): StringMap {
  const value = member(record, spec.key);
  const result: StringMap = {};
  if (value === undefined) return result;
  if (!isMapping(value) || !Object.values(value).every((item) => typeof item === "string")) {
    throw new EventError(spec.where, "must be a mapping of strings");
  }
  for (const [key, item] of Object.entries(value)) {
    setOwn(result, spec.lowercaseKeys ? asciiLower(key) : key, item as string);
  }
  return result;
}

/** A map of string lists: {} when absent; lists of names that collide when lower-cased are joined. */
export function multiMapField(record: EventRecord | undefined, spec: FieldSpec): MultiMap {
  const value = member(record, spec.key);
  const result: MultiMap = {};
  if (value === undefined) return result;
  const valid =
    isMapping(value) &&
    Object.values(value).every((list) => Array.isArray(list) && list.every((item) => typeof item === "string"));
  if (!valid) throw new EventError(spec.where, "must be a mapping of string lists");
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
export function jsonField(record: EventRecord | undefined, spec: FieldSpec): JsonValue {
  const value = member(record, spec.key);
  return value === undefined ? null : (value as JsonValue);
}
