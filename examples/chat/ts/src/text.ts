/** Python's str semantics the chat's checks rely on, so the TS and Python chats accept the same input. */

// Python's str.isspace() set: JS's trim() lacks \x1c-\x1f and \x85 and adds \ufeff.
const PY_SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g");

/** Python's str.strip(). */
export function pyStrip(value: string): string {
  return value.replace(PY_STRIP, "");
}

/** Python's len() of a str: code points, not UTF-16 units. */
export function pyLen(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}
