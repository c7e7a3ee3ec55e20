"""The canonical JSON encoder (RFC 8785): shared vectors, the rfc8785 library as an oracle, errors."""

from __future__ import annotations

import json
import math
import random
import struct
import subprocess
import sys
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest
import rfc8785

import apptheory
from apptheory import App, Response
from apptheory.canonical import encode_json, encode_json_text, format_number
from apptheory.testkit import FakeManagementClient, websocket_event

ROOT = Path(__file__).resolve().parents[1]
VECTORS_DIR = ROOT / "contract-tests" / "canonical-json"
VECTORS = json.loads((VECTORS_DIR / "vectors.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("vector", VECTORS["values"], ids=[v["doc"] for v in VECTORS["values"]])
def test_value_vector(vector: dict[str, str]) -> None:
    assert encode_json(json.loads(vector["json"])) == vector["canonical"].encode("utf-8")


@pytest.mark.parametrize("vector", VECTORS["numbers"], ids=[v["ieee"] for v in VECTORS["numbers"]])
def test_number_vector(vector: dict[str, Any]) -> None:
    number = struct.unpack(">d", bytes.fromhex(vector["ieee"]))[0]
    if vector["canonical"] is None:
        with pytest.raises(ValueError, match="is not a JSON number"):
            encode_json(number)
    else:
        assert encode_json(number) == vector["canonical"].encode("ascii")
        assert encode_json([number]) == f"[{vector['canonical']}]".encode("ascii")


def test_vectors_file_is_current() -> None:
    script = VECTORS_DIR / "generate_vectors.py"
    result = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_vectors_cover_what_the_issue_asks() -> None:
    docs = " ".join(v["doc"] for v in VECTORS["values"])
    assert "RFC 8785 3.2.2" in docs
    assert "RFC 8785 3.2.3" in docs
    assert "lone" in docs
    assert len(VECTORS["values"]) >= 300
    assert len(VECTORS["numbers"]) >= 100


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(8 if depth < 4 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.random() < 0.5
    if kind == 2:
        return rng.randint(-(2**53) + 1, 2**53 - 1)
    if kind == 3:
        while True:
            number = struct.unpack(">d", rng.getrandbits(64).to_bytes(8, "big"))[0]
            if math.isfinite(number):
                return number
    if kind in (4, 5):
        return "".join(rng.choice("aZ9 \"\\\n\x01\x7fé€\ue000\U0001f600\u2028") for _ in range(rng.randint(0, 6)))
    if kind == 6:
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    keys = ["a", "b", "\U0001f600", "\ue000", "\uffff", "é", "A", "", "10", "9"]
    return {rng.choice(keys) + rng.choice(keys): _random_value(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def test_agrees_with_the_rfc8785_library_on_random_values() -> None:
    rng = random.Random(20261130)
    for _ in range(3000):
        value = _random_value(rng)
        assert encode_json(value) == rfc8785.dumps(value), value


def test_agrees_with_the_rfc8785_library_on_random_doubles() -> None:
    rng = random.Random(9)
    for _ in range(20000):
        number = struct.unpack(">d", rng.getrandbits(64).to_bytes(8, "big"))[0]
        if math.isfinite(number):
            assert format_number(number) == rfc8785.dumps(number).decode("ascii"), number.hex()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"b": 1, "a": {"d": [1, 2], "c": True}}, b'{"a":{"c":true,"d":[1,2]},"b":1}'),  # fast path
        ({"b": 1.5, "a": 2}, b'{"a":2,"b":1.5}'),  # a float takes the careful path
        ({"\uffff": 1, "\U00010000": 2}, '{"\U00010000":2,"\uffff":1}'.encode()),  # UTF-16 order, not code points
        ([2**53, 2**53 + 1, -(2**63)], b"[9007199254740992,9007199254740992,-9223372036854776000]"),
        ((1, "t"), b'[1,"t"]'),
        (OrderedDict([("z", 1), ("a", 2)]), b'{"a":2,"z":1}'),
        ({1: "int key", None: "null key", False: "bool key"}, b'{"1":"int key","false":"bool key","null":"null key"}'),
        ("\ud800 \udfff", '"\ufffd \ufffd"'.encode()),
        ({"k\ud800": "v"}, '{"k\ufffd":"v"}'.encode()),
        ("<>&\u2028\x7f", "\"<>&\u2028\x7f\"".encode()),
        ("\x00\x08\x1f", b'"\\u0000\\b\\u001f"'),
    ],
)
def test_encodes(value: Any, expected: bytes) -> None:
    assert encode_json(value) == expected
    assert encode_json_text(value) == expected.decode("utf-8")


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        (float("nan"), ValueError, "NaN and infinities are not allowed"),
        ({"a": [float("inf")]}, ValueError, "NaN and infinities are not allowed"),
        (10**400, ValueError, "beyond the range of a JSON number"),
        ({"a": object()}, TypeError, "Object of type object is not JSON serializable"),
        ({("tuple", "key"): 1}, TypeError, "keys must be str"),
        ({1.5: object()}, TypeError, "Object of type object is not JSON serializable"),
    ],
)
def test_refuses_what_is_not_json(value: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        encode_json(value)


def _nested(levels: int, leaf: Any) -> Any:
    value = leaf
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize("leaf", [1, 1.5, "x"])
def test_nesting_limit_is_500_levels(leaf: Any) -> None:
    assert encode_json(_nested(500, leaf)).count(b"[") == 500
    assert encode_json({"a": _nested(499, leaf)}).count(b"[") == 499
    with pytest.raises(ValueError, match="nested deeper than 500"):
        encode_json(_nested(501, leaf))
    with pytest.raises(ValueError, match="nested deeper than 500"):
        encode_json({"a": _nested(500, leaf)})


def test_deep_or_circular_values_are_refused() -> None:
    deep: list[Any] = []
    node = deep
    for _ in range(600):
        node.append([])
        node = node[0]
    with pytest.raises(ValueError, match="nested deeper than 500"):
        encode_json([1.5, deep])
    cyclic: dict[str, Any] = {}
    cyclic["self"] = cyclic
    with pytest.raises(ValueError, match="nested deeper than 500 levels \\(or circular\\)"):
        encode_json(cyclic)


def test_encode_json_is_public() -> None:
    assert apptheory.encode_json is encode_json


def test_results_sends_and_envelopes_are_canonical() -> None:
    fake = FakeManagementClient(connections=["c1"])
    app = App(websocket_client_factory=fake.client_factory)

    @app.websocket("$default")
    def default(ctx: apptheory.Context) -> object:
        ctx.as_websocket().send_json_message({"z": 1.0, "a": [1e21, "\ud800"]})
        return {"b": -0.0, "a": 1e-7}

    @app.websocket("explicit")
    def explicit(ctx: apptheory.Context) -> object:
        return Response.json({"y": 2, "x": 0.5}, status=201)

    @app.websocket("nan")
    def nan(ctx: apptheory.Context) -> object:
        return {"value": float("nan")}

    response = app.handle(websocket_event("$default", connection_id="c1"))
    assert response["body"] == '{"a":1e-7,"b":0}'
    assert fake.sent_to("c1") == ['{"a":[1e+21,"\ufffd"],"z":1}'.encode()]
    assert app.handle(websocket_event("explicit", connection_id="c1"))["body"] == '{"x":0.5,"y":2}'
    failed = app.handle(websocket_event("nan", connection_id="c1", request_id="r-\udfff"))
    assert failed["statusCode"] == 500
    assert failed["body"] == '{"error":{"code":"app.internal","message":"internal error","request_id":"r-\ufffd"}}'


@pytest.mark.parametrize("factory", ["not-callable", 42, object()])
def test_a_client_factory_that_is_not_callable_is_refused_at_construction(factory: Any) -> None:
    with pytest.raises(TypeError, match=r"^websocket_client_factory must be callable as f\(endpoint, region\)"):
        App(websocket_client_factory=factory)


def test_a_default_handler_that_is_not_callable_is_refused_at_construction() -> None:
    with pytest.raises(TypeError, match=r"^default_handler must be callable as h\(ctx\), got str$"):
        App(default_handler="nope")  # type: ignore[arg-type]
