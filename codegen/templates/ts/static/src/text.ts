/**
 * Byte and text helpers with Python's exact semantics, so every language agrees on the same input:
 * strict base64, UTF-8 encoding (a lone surrogate becomes U+FFFD), strict UTF-8 decoding, and
 * str.strip()'s idea of whitespace.
 */

// Python's str.isspace() set; JS's \s lacks \x1c-\x1f and \x85 and adds \ufeff.
const PY_SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g");
const PY_SPACE_EDGE = new RegExp(`^[${PY_SPACE}]|[${PY_SPACE}]$`);

/** Python's str.strip(): removes leading and trailing Unicode whitespace as Python defines it. */
export function pyStrip(value: string): string {
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  // Both ends printable ASCII (the common case): nothing to strip, no regex needed.
  if (first > 0x20 && first < 0x7f && last > 0x20 && last < 0x7f) return value;
  return PY_SPACE_EDGE.test(value) ? value.replace(PY_STRIP, "") : value;
}

/** Python's str.strip(chars) for one character, e.g. stripChar(path, "/"). */
export function stripChar(value: string, char: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && value[start] === char) start++;
  while (end > start && value[end - 1] === char) end--;
  return value.slice(start, end);
}

/** Python's str.rstrip(char) for one character. */
export function rstripChar(value: string, char: string): string {
  let end = value.length;
  while (end > 0 && value[end - 1] === char) end--;
  return value.slice(0, end);
}

const BASE64 = /^([A-Za-z0-9+/]*)(={0,2})$/;

/**
 * Decode base64 exactly as Python's base64.b64decode(text, validate=True) (binascii strict mode):
 * only the standard alphabet, no leading "=", and a partial last quad padded exactly. Returns undefined
 * when invalid (Node's Buffer.from(text, "base64") would silently accept all of these mistakes).
 */
export function decodeBase64Strict(text: string): Uint8Array | undefined {
  const match = BASE64.exec(text);
  if (match === null) return undefined;
  const data = match[1] ?? "";
  const pads = (match[2] ?? "").length;
  const rest = data.length % 4;
  // Strict mode: "=" may not lead, and must complete a partial quad exactly; after a full quad it is ignored.
  const valid =
    (rest === 0 && (pads === 0 || data.length > 0)) || (rest === 2 && pads === 2) || (rest === 3 && pads === 1);
  if (!valid) return undefined;
  return Buffer.from(data, "base64");
}

/** Standard padded base64 of some bytes. */
export function encodeBase64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64");
}

/** UTF-8 bytes of a string; each lone surrogate becomes U+FFFD (EF BF BD), as in every language. */
export function encodeUtf8(text: string): Uint8Array {
  // Node's UTF-8 encoder writes a lone surrogate as U+FFFD.
  return Buffer.from(text, "utf8");
}

// fatal: invalid UTF-8 (surrogates included) throws; ignoreBOM: a leading U+FEFF is kept, as Python does.
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Strict UTF-8 decoding; undefined when the bytes are not valid UTF-8. */
export function decodeUtf8(data: Uint8Array): string | undefined {
  try {
    return UTF8.decode(data);
  } catch {
    return undefined;
  }
}

/** Lower-cases A-Z only (header names): HTTP names are ASCII, and full Unicode case mapping differs between the languages' Unicode versions. */
export function asciiLower(name: string): string {
  return /[A-Z]/.test(name) ? name.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32)) : name;
}
