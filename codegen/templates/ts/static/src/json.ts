/**
 * The canonical JSON encoder: RFC 8785 (JSON Canonicalization Scheme), the bytes every language sends.
 * Hand-written, not the `canonicalize` package: this runs on every send and response, and a library
 * pass (toJSON lookups, per-call closures) costs more than the dispatch budget allows.
 *
 * - objects: keys sorted by UTF-16 code units (JS's default sort), no whitespace, `,` and `:`;
 * - strings: only `"`, `\` and U+0000..U+001F escaped (JSON.stringify's escapes); a lone surrogate
 *   becomes U+FFFD, so the output is always valid UTF-8;
 * - numbers: ECMAScript Number::toString (`String(n)`); NaN and Infinity are an error;
 * - `undefined` object members are skipped and `undefined` array items are `null` (as JSON.stringify);
 *   anything else that is not JSON (class instances, functions, bigint, cycles) is an error.
 */

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A value cannot be encoded as canonical JSON (NaN, Infinity, a class instance, a cycle...). */
export class JsonEncodingError extends TypeError {
  override readonly name: string = "JsonEncodingError";
}

/** The canonical JSON text of a value (RFC 8785); a string holding no lone surrogate. */
export function encodeCanonicalJson(value: unknown): string {
  return encode(value, 0);
}

/** The canonical JSON of a value as UTF-8 bytes (RFC 8785): what every language sends for the same value. */
export function encodeJson(value: unknown): Uint8Array {
  return Buffer.from(encode(value, 0), "utf8");
}

/** True for a plain object: JSON.parse output or an object literal, not a class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Deepest nesting of arrays/objects the encoder writes (`[]` is 1), the same in every language; deeper is an error. */
export const MAX_ENCODE_DEPTH = 500;

function encode(value: unknown, depth: number): string {
  switch (typeof value) {
    case "string":
      return encodeString(value);
    case "number":
      return encodeNumber(value);
    case "boolean":
      return value ? "true" : "false";
    case "object":
      break;
    default:
      throw new JsonEncodingError(`${typeof value} is not JSON serializable`);
  }
  if (value === null) return "null";
  if (depth >= MAX_ENCODE_DEPTH) {
    throw new JsonEncodingError(`JSON value nested deeper than ${MAX_ENCODE_DEPTH} levels (or circular)`);
  }
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (i > 0) out += ",";
      out += item === undefined ? "null" : encode(item, depth + 1);
    }
    return `${out}]`;
  }
  if (!isPlainObject(value)) {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    throw new JsonEncodingError(`${typeof name === "string" ? name : "object"} is not JSON serializable`);
  }
  return encodeObject(value, depth);
}

function encodeObject(value: Record<string, unknown>, depth: number): string {
  const keys = sortByCodeUnits(Object.keys(value));
  let out = "{";
  let first = true;
  for (const key of keys) {
    const item = value[key];
    if (item === undefined) continue;
    let name: string;
    if (PLAIN_ASCII.test(key)) name = `"${key}"`;
    else if (key.isWellFormed()) name = JSON.stringify(key);
    else return encodeObjectWithLoneSurrogateKeys(value, depth);
    out += `${first ? "" : ","}${name}:${encode(item, depth + 1)}`;
    first = false;
  }
  return `${out}}`;
}

/** Sort in place by UTF-16 code units (`<` on strings, as the default sort): insertion sort while small. */
function sortByCodeUnits(keys: string[]): string[] {
  const n = keys.length;
  if (n > 16) return keys.sort();
  for (let i = 1; i < n; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > key) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

/**
 * Rare: a key holds a lone surrogate. It is written as U+FFFD, so it sorts as written, and keys that are
 * equal once written are one key: the value that came last (in the object's key order) wins.
 */
function encodeObjectWithLoneSurrogateKeys(value: Record<string, unknown>, depth: number): string {
  const members = new Map<string, unknown>();
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (item !== undefined) members.set(key.toWellFormed(), item);
  }
  const keys = [...members.keys()].sort();
  let out = "{";
  for (const key of keys) {
    out += `${out.length > 1 ? "," : ""}${JSON.stringify(key)}:${encode(members.get(key), depth + 1)}`;
  }
  return `${out}}`;
}

// Printable ASCII without '"' or '\\': JSON.stringify would return it quoted and unchanged.
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A JSON string: JSON.stringify's escapes are exactly RFC 8785's once lone surrogates are U+FFFD. */
function encodeString(value: string): string {
  if (PLAIN_ASCII.test(value)) return `"${value}"`;
  return JSON.stringify(value.isWellFormed() ? value : value.toWellFormed());
}

/** A number as ECMAScript prints it (`String(n)`, so -0 is "0"); NaN and Infinity throw. */
export function encodeNumber(value: number): string {
  if (!Number.isFinite(value)) throw new JsonEncodingError(`${value} is not JSON compliant (RFC 8785)`);
  return String(value);
}
