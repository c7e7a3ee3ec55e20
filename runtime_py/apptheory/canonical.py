"""Canonical JSON (RFC 8785, JCS): the exact bytes every AppTheory runtime sends or returns for a value.

Rules (docs/runtime.md "Canonical JSON"): object keys sorted by UTF-16 code units; no whitespace; strings
escape only '"', '\\' and U+0000-U+001F (lower-case hex); every number is printed as ECMAScript prints
the IEEE double (1.0 -> 1, 1e21 -> 1e+21, integers beyond 2**53 lose precision); NaN and infinities
are errors; a lone surrogate becomes U+FFFD; UTF-8 output.

Hand-written on purpose: the RFC 8785 library on PyPI (`rfc8785`, used as the oracle in the tests) is
pure Python and several times slower than the C encoder this module uses for the common case (str keys
that sort the same by code point and by UTF-16 unit, no floats, integers within 2**53).
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["REPLACE_SURROGATES", "encode_json", "encode_json_text", "format_number"]

_SAFE_INTEGER = 2**53
_MAX_DEPTH = 500  # deeper values are almost surely cyclic, and stay clear of Python's recursion limit

# json's C string encoder (non-ASCII form) escapes exactly what RFC 8785 escapes, with lower-case hex.
_encode_string: Callable[[str], str] = json.encoder.c_encode_basestring or json.encoder.py_encode_basestring  # type: ignore[attr-defined]


def _not_json(value: object) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# The C encoder behind json.dumps, made once (JSONEncoder.encode builds a new one per call). No circularity
# markers: only values that _plain accepted (acyclic, at most _MAX_DEPTH deep, no floats) reach it.
_c_iterencode: Callable[[Any, int], Sequence[str]] = json.encoder.c_make_encoder(  # type: ignore[attr-defined]
    None, _not_json, _encode_string, None, ":", ",", True, False, False
)


def _replace_surrogates(err: UnicodeError) -> tuple[bytes, int]:
    if not isinstance(err, UnicodeEncodeError):
        raise err
    return "\ufffd".encode() * (err.end - err.start), err.end  # bytes: the UTF-8 codec takes no non-ASCII str


# Lone surrogates (e.g. from a JSON "\ud800" escape) have no UTF-8 form: they become U+FFFD in every language.
REPLACE_SURROGATES = "apptheory.replace_surrogates"
codecs.register_error(REPLACE_SURROGATES, _replace_surrogates)


def encode_json(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value; ValueError/TypeError when it is not JSON."""
    return _encode(value).encode("utf-8", REPLACE_SURROGATES)


def encode_json_text(value: Any) -> str:
    """encode_json as text (a proxy response body): lone surrogates already replaced by U+FFFD."""
    text = _encode(value)
    if text.isascii():
        return text
    return text.encode("utf-8", REPLACE_SURROGATES).decode("utf-8")


def _encode(value: Any) -> str:
    if _plain(value, 0):
        return "".join(_c_iterencode(value, 0))
    parts: list[str] = []
    _write(value, parts, 0)
    return "".join(parts)


def _plain(value: Any, depth: int) -> bool:
    """True when json's C encoder (sort_keys) already writes value's RFC 8785 form."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return -_SAFE_INTEGER <= value <= _SAFE_INTEGER  # type: ignore[no-any-return]  # value is an int here
    if depth >= _MAX_DEPTH:
        return False  # the careful path raises the error
    if kind is dict:
        try:
            keys = "".join(value)
        except TypeError:
            return False  # a key that is not a str
        # Code-point order equals UTF-16 order unless a key mixes astral characters with U+E000-U+FFFF; a key
        # with a lone surrogate sorts by its written form (U+FFFD): both take the careful path.
        if not keys.isascii() and max(keys) >= "\ud800":
            return False
        items = value.values()
    elif kind is list:
        items = value
    else:
        return False
    for item in items:
        item_kind = type(item)
        if item_kind is str or item_kind is bool or item is None:
            continue
        if not _plain(item, depth + 1):
            return False
    return True


def _write(value: Any, parts: list[str], depth: int) -> None:
    if isinstance(value, str):
        parts.append(_encode_string(value))
    elif value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, int | float):
        parts.append(format_number(value))
    elif depth >= _MAX_DEPTH:
        raise ValueError(f"JSON value nested deeper than {_MAX_DEPTH} levels (or circular)")
    elif isinstance(value, Mapping):
        # Keys equal once written (lone surrogates as U+FFFD) are one key: the last value wins.
        items = sorted({_key(key): item for key, item in value.items()}.items(), key=_utf16_order)
        parts.append("{")
        for index, (key, item) in enumerate(items):
            if index:
                parts.append(",")
            parts.append(_encode_string(key))
            parts.append(":")
            _write(item, parts, depth + 1)
        parts.append("}")
    elif isinstance(value, list | tuple):
        parts.append("[")
        for index, item in enumerate(value):
            if index:
                parts.append(",")
            _write(item, parts, depth + 1)
        parts.append("]")
    else:
        _not_json(value)


def _key(key: object) -> str:
    """A key as written: str (lone surrogates as U+FFFD), numbers, booleans and None as their JSON text."""
    if isinstance(key, str):
        return key if key.isascii() else key.encode("utf-8", REPLACE_SURROGATES).decode("utf-8")
    if key is None:
        return "null"
    if key is True or key is False:
        return "true" if key else "false"
    if isinstance(key, int | float):
        return format_number(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _utf16_order(item: tuple[str, Any]) -> bytes:
    return item[0].encode("utf-16-be", "surrogatepass")


def format_number(value: int | float) -> str:
    """A number as ECMAScript's Number::toString prints the nearest IEEE double (RFC 8785 section 3.2.2.3)."""
    if type(value) is int and -_SAFE_INTEGER <= value <= _SAFE_INTEGER:
        return str(value)
    try:
        number = float(value)
    except OverflowError:
        raise ValueError(f"integer {value} is beyond the range of a JSON number (an IEEE double)") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{value!r} is not a JSON number (NaN and infinities are not allowed)")
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    mantissa, _, exponent = repr(abs(number)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    all_digits = whole + fraction
    significant = all_digits.lstrip("0")
    # n: the decimal exponent with value = 0.d1d2... x 10**n, as ECMA-262 defines it
    n = len(whole) + (int(exponent) if exponent else 0) - (len(all_digits) - len(significant))
    digits = significant.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    power = n - 1
    head = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{sign}{head}e{'+' if power >= 0 else '-'}{abs(power)}"
