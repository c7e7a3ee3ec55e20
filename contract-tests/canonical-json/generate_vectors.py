"""Write vectors.json: the canonical JSON (RFC 8785) vectors every language's encoder must reproduce.

Expected outputs come from outside the project: the examples and number table of RFC 8785 itself, and,
for the seeded random values, the `rfc8785` library (the RFC's reference behaviour, not our encoder).
Rules RFC 8785 leaves open are written out by hand below with their reason (lone surrogates -> U+FFFD,
integers beyond 2**53 go through the nearest double, as ECMAScript's JSON.parse gives them).

    .venv/bin/python contract-tests/canonical-json/generate_vectors.py          # rewrite vectors.json
    .venv/bin/python contract-tests/canonical-json/generate_vectors.py --check  # exit 1 if it would change
"""

from __future__ import annotations

import json
import math
import random
import struct
import sys
from pathlib import Path
from typing import Any

import rfc8785

HERE = Path(__file__).resolve().parent
SEED = 8785
RANDOM_VALUES = 300

# RFC 8785 section 3.2.2 and 3.2.3 (input as the RFC prints it, output as the RFC gives it).
RFC_VALUES = [
    (
        "RFC 8785 3.2.2: numbers, string escapes, literals",
        '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
        ' "literals": [null, true, false]}',
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    ),
    (
        "RFC 8785 3.2.3: keys sorted by UTF-16 code units",
        '{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh",'
        ' "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control",'
        ' "\\u00f6": "Latin Small Letter O With Diaeresis"}',
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",'
        '"\u20ac":"Euro Sign","\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    ),
]

# RFC 8785 appendix B: IEEE-754 bits -> ECMAScript text (None: not a JSON number, encoding fails).
RFC_NUMBERS = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("7fffffffffffffff", None),
    ("7ff0000000000000", None),
    ("fff0000000000000", None),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]

# Rules RFC 8785 leaves to the implementation, pinned here for every AppTheory language.
PROJECT_VALUES = [
    ("a lone high surrogate becomes U+FFFD", '{"a":"x\\ud800y"}', '{"a":"x\ufffdy"}'),
    ("a lone low surrogate becomes U+FFFD", '["\\udc00"]', '["\ufffd"]'),
    ("a high surrogate at the end becomes U+FFFD", '"ab\\udbff"', '"ab\ufffd"'),
    ("two high surrogates: two U+FFFD", '"\\ud800\\ud800"', '"\ufffd\ufffd"'),
    ("a lone surrogate in a key becomes U+FFFD", '{"\\ud800":1}', '{"\ufffd":1}'),
    (
        "keys equal once their lone surrogates are U+FFFD are one key, the last value wins",
        '{"\\ud800":1,"a":0,"\\udbff":2}',
        '{"a":0,"\ufffd":2}',
    ),
    ("an escaped pair is one astral character", '"\\ud83d\\ude00"', '"\U0001f600"'),
    ("integral float is an integer", '{"v":1.0,"w":-0.0,"x":1e2}', '{"v":1,"w":0,"x":100}'),
    (
        "integers beyond 2**53 go through the nearest double",
        "[9007199254740993,-9007199254740993]",
        "[9007199254740992,-9007199254740992]",
    ),
    ("int64 max through the nearest double", "[9223372036854775807]", "[9223372036854776000]"),
    ("1e21 as an integer literal", "[1000000000000000000000]", "[1e+21]"),
    (
        "U+2028, U+2029, DEL and HTML characters are not escaped",
        '"\\u2028\\u2029\\u007f<>&\'"',
        '"\u2028\u2029\x7f<>&\'"',
    ),
    (
        "controls use short escapes or lower-case \\u00xx",
        '"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f"',
        '"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f"',
    ),
    ("empty containers", '{"a":{},"b":[],"c":""}', '{"a":{},"b":[],"c":""}'),
    (
        "key order: U+FFFF sorts after an astral key by UTF-16 units",
        '{"\\uffff":1,"\\ud800\\udc00":2,"\\ue000":3}',
        '{"\U00010000":2,"\ue000":3,"\uffff":1}',
    ),
    (
        "nested objects sort at every depth",
        '{"b":[{"z":1,"y":{"d":1,"c":2}}],"a":null}',
        '{"a":null,"b":[{"y":{"c":2,"d":1},"z":1}]}',
    ),
]

_KEY_CHARS = ["a", "b", "Z", "0", "_", "\u00e9", "\u20ac", "\ue000", "\uffee", "\U0001f600", "\U00010000", "\n", '"']
_STRING_CHARS = [*_KEY_CHARS, " ", "\\", "/", "\x00", "\x1f", "\x7f", "\u2028", "<", "\u4e16"]


def _string(rng: random.Random, alphabet: list[str], longest: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest)))


def _number(rng: random.Random) -> int | float:
    kind = rng.randrange(5)
    if kind == 0:
        return rng.randint(-(2**53), 2**53)
    if kind == 1:
        return rng.randint(-1000, 1000)
    if kind == 2:
        return rng.choice([0.5, 1e-7, 1e-6, 1e20, 1e21, 123456789.125, -0.1, 2.0, 1e308, 5e-324])
    while True:
        value: float = struct.unpack(">d", rng.getrandbits(64).to_bytes(8, "big"))[0]
        if math.isfinite(value):
            return value


def _value(rng: random.Random, depth: int) -> Any:
    kind = rng.randrange(7 if depth < 4 else 5)
    if kind == 0:
        return None
    if kind == 1:
        return rng.random() < 0.5
    if kind == 2:
        return _number(rng)
    if kind in (3, 4):
        return _string(rng, _STRING_CHARS, 8)
    if kind == 5:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {_string(rng, _KEY_CHARS, 4): _value(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def build() -> dict[str, Any]:
    rng = random.Random(SEED)
    values = [{"doc": doc, "json": text, "canonical": out} for doc, text, out in RFC_VALUES + PROJECT_VALUES]
    for index in range(RANDOM_VALUES):
        value = _value(rng, 0)
        text = json.dumps(value, ensure_ascii=index % 2 == 0)
        values.append(
            {
                "doc": f"random value {index} (seed {SEED})",
                "json": text,
                "canonical": rfc8785.dumps(value).decode("utf-8"),
            }
        )
    numbers = [{"doc": f"RFC 8785 appendix B: {bits}", "ieee": bits, "canonical": out} for bits, out in RFC_NUMBERS]
    for index in range(100):
        value = float(_number(rng))
        bits = struct.pack(">d", value).hex()
        numbers.append(
            {
                "doc": f"random double {index} (seed {SEED})",
                "ieee": bits,
                "canonical": rfc8785.dumps(value).decode("utf-8"),
            }
        )
    return {
        "doc": "RFC 8785 canonical JSON vectors; regenerate with generate_vectors.py (see its docstring).",
        "values": values,
        "numbers": numbers,
    }


def main(argv: list[str]) -> int:
    text = json.dumps(build(), indent=1, ensure_ascii=True) + "\n"
    target = HERE / "vectors.json"
    if "--check" in argv:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            print(f"{target} is out of date: run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
