/**
 * The canonical JSON encoder (RFC 8785): the shared vectors every language runs, the `canonicalize`
 * package (the RFC author's) as an oracle on seeded random values, and the edge rules.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import canonicalize from "canonicalize";

import { JsonEncodingError, encodeCanonicalJson, encodeJson } from "../src/index.js";
import { MAX_ENCODE_DEPTH, encodeNumber } from "../src/json.js";

// Compiled tests live in generated/ts/dist/test/.
const VECTORS = new URL("../../../../contract-tests/canonical-json/vectors.json", import.meta.url);

interface Vectors {
  readonly values: readonly { readonly doc: string; readonly json: string; readonly canonical: string }[];
  readonly numbers: readonly { readonly doc: string; readonly ieee: string; readonly canonical: string | null }[];
}

const vectors = JSON.parse(readFileSync(VECTORS, "utf8")) as Vectors;

function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

test("shared vectors: values (JSON.parse, then encode; exact UTF-8 bytes)", () => {
  assert.ok(vectors.values.length > 0);
  for (const { doc, json, canonical } of vectors.values) {
    const value: unknown = JSON.parse(json);
    assert.equal(encodeCanonicalJson(value), canonical, doc);
    assert.deepEqual(Buffer.from(encodeJson(value)), Buffer.from(canonical, "utf8"), doc);
  }
});

test("shared vectors: numbers from IEEE-754 bits (null: encoding fails)", () => {
  assert.ok(vectors.numbers.length > 0);
  for (const { doc, ieee, canonical } of vectors.numbers) {
    const value = fromBits(ieee);
    if (canonical === null) {
      assert.throws(() => encodeCanonicalJson(value), JsonEncodingError, doc);
      assert.throws(() => encodeCanonicalJson([value]), JsonEncodingError, doc);
    } else {
      assert.equal(encodeCanonicalJson(value), canonical, doc);
      assert.equal(encodeCanonicalJson({ n: value }), `{"n":${canonical}}`, doc);
    }
  }
});

// ---- the oracle -------------------------------------------------------------------------------------

/** mulberry32: a small seeded PRNG, so a failure is reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EDGE_NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.1,
  1e21,
  1e-7,
  1e-6,
  0.000001,
  1e20,
  123e-20,
  5e-324,
  -5e-324,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
  2 ** 53,
  2 ** 64,
  2 ** -1074,
  4.5,
  1e300,
  333333333.33333329,
  9007199254740993,
  100000000000000000000,
];

// Code points that exercise escaping and key order: controls, specials, BMP above surrogates, astral.
const CHAR_POOLS: readonly (readonly [number, number])[] = [
  [0x00, 0x1f],
  [0x20, 0x7f],
  [0x80, 0x7ff],
  [0x2028, 0x2029],
  [0xe000, 0xffff],
  [0x10000, 0x10ffff],
  [0x1f600, 0x1f64f],
];

class Generator {
  readonly #next: () => number;

  constructor(seed: number) {
    this.#next = prng(seed);
  }

  int(n: number): number {
    return Math.floor(this.#next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  number(): number {
    switch (this.int(5)) {
      case 0:
        return this.pick(EDGE_NUMBERS);
      case 1:
        return this.int(2 ** 31) - 2 ** 30;
      case 2:
        return (this.#next() - 0.5) * 10 ** (this.int(60) - 30);
      default: {
        // Any finite double, from random bits.
        const view = new DataView(new ArrayBuffer(8));
        for (;;) {
          view.setUint32(0, this.int(2 ** 32));
          view.setUint32(4, this.int(2 ** 32));
          const value = view.getFloat64(0);
          if (Number.isFinite(value)) return value;
        }
      }
    }
  }

  string(): string {
    const length = this.int(8);
    let out = "";
    for (let i = 0; i < length; i++) {
      if (this.int(3) === 0) {
        out += this.pick(['"', "\\", "/", "a", "é", "\u2028", "\u007f", "\ufeff", "\ufffd", "\u{1f600}"]);
        continue;
      }
      const [low, high] = this.pick(CHAR_POOLS);
      out += String.fromCodePoint(low + this.int(high - low + 1));
    }
    return out;
  }

  value(depth: number): unknown {
    const kind = depth > 3 ? this.int(4) : this.int(6);
    if (kind === 0) return this.pick([null, true, false]);
    if (kind === 1) return this.number();
    if (kind <= 3) return this.string();
    if (kind === 4) return Array.from({ length: this.int(5) }, () => this.value(depth + 1));
    const out: Record<string, unknown> = {};
    const members = this.int(6);
    for (let i = 0; i < members; i++) out[this.string()] = this.value(depth + 1);
    return out;
  }
}

test("the canonicalize package agrees on 600 seeded random values (no lone surrogates)", () => {
  const gen = new Generator(0x8785);
  for (let i = 0; i < 600; i++) {
    const value = gen.value(0);
    const expected = canonicalize(value);
    assert.equal(encodeCanonicalJson(value), expected, `value ${i}: ${String(expected)}`);
  }
});

test("every finite double from random bits prints as String(n) and as canonicalize does", () => {
  const gen = new Generator(21);
  for (let i = 0; i < 2000; i++) {
    const value = gen.number();
    assert.equal(encodeNumber(value), canonicalize(value), String(value));
  }
});

// ---- edge rules -------------------------------------------------------------------------------------

test("numbers: ECMAScript Number::toString; NaN and Infinity are a JsonEncodingError", () => {
  const cases: [number, string][] = [
    [1.0, "1"],
    [-0, "0"],
    [1e21, "1e+21"],
    [1e-7, "1e-7"],
    [0.000001, "0.000001"],
    [100000000000000000000, "100000000000000000000"],
    [9007199254740993, "9007199254740992"],
    [2 ** 60, "1152921504606847000"],
    [5e-324, "5e-324"],
  ];
  for (const [value, text] of cases) assert.equal(encodeCanonicalJson(value), text, text);
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    assert.throws(() => encodeCanonicalJson({ a: [bad] }), JsonEncodingError);
    assert.throws(() => encodeCanonicalJson({ a: [bad] }), TypeError);
  }
});

test("strings: minimal escapes with lower-case hex; U+007F, U+2028, <, >, & literal", () => {
  assert.equal(
    encodeCanonicalJson("\u0000\u0001\b\t\n\u000b\f\r\u001f"),
    '"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f"',
  );
  assert.equal(encodeCanonicalJson('"\\/'), '"\\"\\\\/"');
  assert.equal(encodeCanonicalJson("\u007f\u2028\u2029<>&\u00e9"), '"\u007f\u2028\u2029<>&\u00e9"');
});

test("lone surrogates become one U+FFFD each, in values and keys; valid pairs stay", () => {
  assert.equal(encodeCanonicalJson("\ud800"), '"\ufffd"');
  assert.equal(encodeCanonicalJson("a\udc00\ud800b"), '"a\ufffd\ufffdb"');
  assert.equal(encodeCanonicalJson("\ud83d\ude00\ud83d"), '"\u{1f600}\ufffd"');
  assert.equal(
    encodeCanonicalJson({ "\ud800": 1, "\uffff": 2, "\u{1f600}": 3 }),
    '{"\u{1f600}":3,"\ufffd":1,"\uffff":2}',
  );
  assert.deepEqual([...encodeJson({ a: "\ud800" })], [...Buffer.from('{"a":"\ufffd"}', "utf8")]);
});

test("keys sorted by UTF-16 code units at every depth; undefined members skipped", () => {
  assert.equal(
    encodeCanonicalJson({ b: { z: 1, a: 2 }, a: [{ y: undefined, x: 0 }], "\uffff": 0, "\u{1f600}": 0, B: 0, "": 0 }),
    '{"":0,"B":0,"a":[{"x":0}],"b":{"a":2,"z":1},"\u{1f600}":0,"\uffff":0}',
  );
  assert.equal(encodeCanonicalJson([undefined, null]), "[null,null]");
  assert.equal(encodeCanonicalJson(Object.assign(Object.create(null) as object, { k: 1 })), '{"k":1}');
});

test("non-JSON values are a JsonEncodingError", () => {
  const cycle: Record<string, unknown> = {};
  cycle["self"] = cycle;
  assert.throws(() => encodeCanonicalJson(cycle), /circular/);
  assert.throws(() => encodeCanonicalJson({ when: new Date(0) }), /Date is not JSON serializable/);
  for (const bad of [undefined, () => 1, 1n, Symbol("s"), new Map(), new Uint8Array(1), [new Set()]]) {
    assert.throws(() => encodeCanonicalJson(bad), JsonEncodingError);
  }
});

test("R8: keys equal once their lone surrogates are U+FFFD are one key; the last value wins", () => {
  assert.equal(encodeCanonicalJson({ "\ud800": 1, "\udbff": 2 }), '{"\ufffd":2}');
  assert.equal(encodeCanonicalJson({ "\ufffd": 1, "\ud800": 2 }), '{"\ufffd":2}');
  assert.equal(encodeCanonicalJson({ "\ud800": 1, "\ufffd": 2 }), '{"\ufffd":2}');
  assert.equal(
    encodeCanonicalJson({ "a\udc00": 1, b: 0, "a\ud800": [3], "\u{1f600}": 4 }),
    '{"a\ufffd":[3],"b":0,"\u{1f600}":4}',
  );
  // From parsed JSON text (parse order), and nested.
  assert.equal(
    encodeCanonicalJson(JSON.parse(String.raw`{"x":{"\udfff":1,"\ud800":{"\udc00":2,"\ufffd":3}}}`)),
    '{"x":{"\ufffd":{"\ufffd":3}}}',
  );
  // An undefined member is no member: it does not replace an earlier value.
  assert.equal(encodeCanonicalJson({ "\ud800": 1, "\udbff": undefined }), '{"\ufffd":1}');
});

test("R6: the encoder writes 500 levels of nesting and refuses 501", () => {
  assert.equal(MAX_ENCODE_DEPTH, 500);
  const nest = (levels: number, inner: unknown = 0): unknown => {
    let value = inner;
    for (let i = 0; i < levels; i++) value = [value];
    return value;
  };
  const objects = (levels: number): unknown => {
    let value: unknown = 1;
    for (let i = 0; i < levels; i++) value = { a: value };
    return value;
  };
  assert.equal(encodeCanonicalJson(nest(500)), "[".repeat(500) + "0" + "]".repeat(500));
  assert.equal(encodeCanonicalJson(nest(499, {})), "[".repeat(499) + "{}" + "]".repeat(499));
  assert.equal(encodeCanonicalJson(objects(500)), '{"a":'.repeat(500) + "1" + "}".repeat(500));
  for (const bad of [nest(501), nest(500, []), nest(500, {}), objects(501), nest(100000)]) {
    assert.throws(() => encodeCanonicalJson(bad), JsonEncodingError);
    assert.throws(() => encodeCanonicalJson(bad), /nested deeper than 500 levels/);
  }
});
