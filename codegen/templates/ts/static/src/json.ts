/**
 * Strict JSON encoding with Python's exact output, so every language sends the same bytes:
 * compact separators, optionally keys sorted by code point at every depth, floats printed as Python's
 * repr() prints them, and NaN/Infinity, lone surrogates, cycles and non-JSON values rejected (where
 * JSON.stringify would print null, drop the value or escape it).
 */

import { compareCodePoints } from "./text.js";

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Compact JSON of a value, keys sorted at every depth, valid as UTF-8 (the bytes every language sends). */
export function encodeCanonicalJson(value: unknown): string {
  return encode(value, true, 0);
}

/** Compact JSON of a value, keys in insertion order (response bodies). */
export function encodeCompactJson(value: unknown): string {
  return encode(value, false, 0);
}

/** True for a plain object: JSON.parse output or an object literal, not a class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// Deeper than this is a cycle or an unreasonable value (Python's encoder fails there too).
const MAX_DEPTH = 1000;
// A key with a code unit from here up may sort differently by UTF-16 unit than by code point.
const NEEDS_CODE_POINT_SORT = /[\ud800-\uffff]/;

function encode(value: unknown, canonical: boolean, depth: number): string {
  switch (typeof value) {
    case "string":
      return encodeString(value, canonical);
    case "number":
      return encodeNumber(value);
    case "boolean":
      return value ? "true" : "false";
    case "object":
      break;
    default:
      throw new TypeError(`${typeof value} is not JSON serializable`);
  }
  if (value === null) return "null";
  if (depth >= MAX_DEPTH) throw new TypeError("circular reference detected (or nesting deeper than 1000)");
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (i > 0) out += ",";
      out += item === undefined ? "null" : encode(item, canonical, depth + 1);
    }
    return `${out}]`;
  }
  if (!isPlainObject(value)) {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    throw new TypeError(`${typeof name === "string" ? name : "object"} is not JSON serializable`);
  }
  const keys = Object.keys(value);
  if (canonical) {
    keys.sort();
    if (keys.some((key) => NEEDS_CODE_POINT_SORT.test(key))) keys.sort(compareCodePoints);
  }
  let out = "{";
  let first = true;
  for (const key of keys) {
    const item = value[key];
    if (item === undefined) continue;
    out += `${first ? "" : ","}${encodeString(key, canonical)}:${encode(item, canonical, depth + 1)}`;
    first = false;
  }
  return `${out}}`;
}

// Printable ASCII without '"' or '\\': JSON.stringify would return it quoted and unchanged.
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function encodeString(value: string, utf8: boolean): string {
  if (PLAIN_ASCII.test(value)) return `"${value}"`;
  // Sent bytes are UTF-8, which has no lone surrogates (Python's encode fails); JSON.stringify would escape one.
  if (utf8 && !value.isWellFormed()) throw new TypeError("string is not valid Unicode (lone surrogate)");
  return JSON.stringify(value);
}

/** A number as Python's json module prints it: integers as digits, other floats as repr(). */
export function encodeNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`${value} is not JSON compliant`);
  // Integral values below 1e16 print as Python ints; Python prints larger floats in exponent form.
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return Object.is(value, -0) ? "0" : String(value);
  // Shortest round-trip digits, laid out the way Python's float repr lays them out.
  const [mantissa = "", exponentText = "0"] = value.toExponential().split("e");
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const sign = negative ? "-" : "";
  if (exponent < -4 || exponent >= 16) {
    const head = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const power = Math.abs(exponent).toString().padStart(2, "0");
    return `${sign}${head}e${exponent < 0 ? "-" : "+"}${power}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
  const fraction = digits.slice(exponent + 1);
  return `${sign}${whole}.${fraction || "0"}`;
}
