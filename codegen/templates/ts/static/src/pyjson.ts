/**
 * Python's json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False), byte for byte, so a
 * connection's principal is the same text whichever language saved it (docs/connections.md).
 */

import type { JsonValue } from "./json.js";

/**
 * Object keys sorted by code point (Python's str order, not UTF-16's), strings escaping only '"', '\' and
 * U+0000-U+001F (\b \t \n \f \r, else \u00xx), non-ASCII as it is; an integer-valued number within
 * Number.MAX_SAFE_INTEGER is written as an integer (JSON.parse cannot tell 3 from 3.0), any other number as
 * Python's float repr (1e+16, 1e-05, 0.5). NaN and ±Infinity are a TypeError, as is nesting deeper than 500.
 */
export function encodePythonJson(value: JsonValue): string {
  return encode(value, 0);
}

function encode(value: JsonValue, depth: number): string {
  if (depth > 500) throw new TypeError("json: nesting deeper than 500 levels");
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "string":
      return encodeString(value);
    case "number":
      return encodeNumber(value);
    default:
      break;
  }
  if (Array.isArray(value)) {
    return `[${value.map((v) => encode(v, depth + 1)).join(",")}]`;
  }
  const keys = Object.keys(value).sort(byCodePoint);
  return `{${keys.map((k) => `${encodeString(k)}:${encode(value[k]!, depth + 1)}`).join(",")}}`;
}

function byCodePoint(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

const SHORT: { readonly [c: string]: string } = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

function encodeString(s: string): string {
  const escaped = s.replace(
    /["\\\x00-\x1f]/g,
    (c) => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return `"${escaped}"`;
}

function encodeNumber(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`json: unsupported value ${n}`);
  if (Number.isInteger(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER) return Object.is(n, -0) ? "-0.0" : String(n);
  const [mantissa, exp] = n.toExponential().split("e") as [string, string];
  const e = Number(exp);
  if (e < -4 || e >= 16) {
    return `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  const fixed = String(n); // fixed notation for these exponents, shortest digits
  return fixed.includes(".") ? fixed : `${fixed}.0`;
}
