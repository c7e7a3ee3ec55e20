"""Seeded generator of API Gateway WebSocket events for the differential harness.

Every event is built from the project's sample events (examples/events/) and then varied: which fields
are present, their types, unicode (astral characters, lone surrogates, controls), base64 bodies (valid,
invalid, non-UTF-8), JSON bodies (deep, numeric edges), custom domains and base paths, authorizer trees,
disconnect codes and timestamps. About a third of the events are malformed on purpose. The same seed
and count always give the same JSON lines.
"""

from __future__ import annotations

import base64
import copy
import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).resolve().parents[2] / "examples" / "events"

_ASCII = "abcXYZ019-_=+/. "
_UNICODE = [
    "é",
    "€",
    "世",
    "\U0001f600",
    "\U00010000",
    "\ue000",
    "\uffff",
    "\ufffd",
    "\u2028",
    "\x00",
    "\x1f",
    "\x7f",
    "Ä",
    "İ",
    "Σ",
    "\u1c89",
    "\u0085",
    "\u3000",
    "\x1c",
    "\ufeff",
]
_SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]


def _samples() -> list[dict[str, Any]]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(SAMPLES.glob("*.json"))]


class EventGenerator:
    """Yields (kind, event) pairs; `kind` says which variation made the event (for reports)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.samples = _samples()
        self.variations: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
            ("sample", lambda e: None),
            ("drop_fields", self._drop_fields),
            ("unicode_strings", self._unicode_strings),
            ("wrong_types", self._wrong_types),
            ("body_text", self._body_text),
            ("body_json", self._body_json),
            ("body_base64", self._body_base64),
            ("domain", self._domain),
            ("authorizer", self._authorizer),
            ("maps", self._maps),
            ("disconnect", self._disconnect),
            ("timestamps", self._timestamps),
            ("route", self._route),
            ("not_websocket", self._not_websocket),
        ]

    def __iter__(self) -> Iterator[tuple[str, dict[str, Any]]]:
        while True:
            event = copy.deepcopy(self.rng.choice(self.samples))
            names = []
            for _ in range(self.rng.choice([1, 1, 2, 3])):
                name, vary = self.rng.choice(self.variations)
                vary(event)
                names.append(name)
            yield "+".join(names), event

    # ---- value builders --------------------------------------------------------------------------

    def text(self, longest: int = 12, surrogates: bool = True) -> str:
        alphabet = list(_ASCII) + _UNICODE + (_SURROGATES if surrogates else [])
        return "".join(self.rng.choice(alphabet) for _ in range(self.rng.randint(0, longest)))

    def number(self) -> int | float:
        return self.rng.choice(
            [
                0,
                -1,
                42,
                1.0,
                -0.0,
                0.5,
                1e21,
                1e-7,
                1e300,
                2**53,
                2**53 + 1,
                2**63 - 1,
                -(2**63),
                123456.789,
                self.rng.randint(-(10**6), 10**6),
                self.rng.uniform(-1e6, 1e6),
            ]
        )

    def json_value(self, depth: int = 0) -> Any:
        kind = self.rng.randrange(7 if depth < 5 else 5)
        if kind == 0:
            return None
        if kind == 1:
            return self.rng.random() < 0.5
        if kind == 2:
            return self.number()
        if kind in (3, 4):
            return self.text()
        if kind == 5:
            return [self.json_value(depth + 1) for _ in range(self.rng.randint(0, 4))]
        return {self.text(6): self.json_value(depth + 1) for _ in range(self.rng.randint(0, 4))}

    def wrong(self) -> Any:
        return self.rng.choice([None, True, 7, -3.5, "", "x", [], ["a"], {}, {"k": "v"}, 1.0, 2**64])

    # ---- variations ------------------------------------------------------------------------------

    def _drop_fields(self, event: dict[str, Any]) -> None:
        rc = _dict(event, "requestContext")
        for container in (event, rc, _dict(rc, "identity")):
            for key in list(container):
                if key != "requestContext" and self.rng.random() < 0.25:
                    del container[key]

    def _unicode_strings(self, event: dict[str, Any]) -> None:
        rc = _dict(event, "requestContext")
        for key in ("connectionId", "requestId", "routeKey", "stage", "domainName", "apiId", "messageId"):
            if self.rng.random() < 0.3:
                rc[key] = self.text()
        identity = _dict(rc, "identity")
        if self.rng.random() < 0.5:
            identity["sourceIp"] = self.text()
        if self.rng.random() < 0.5:
            identity["userAgent"] = self.text(30)

    def _wrong_types(self, event: dict[str, Any]) -> None:
        rc = _dict(event, "requestContext")
        targets: list[tuple[dict[str, Any], str]] = [
            (rc, k)
            for k in (
                "connectionId",
                "requestId",
                "stage",
                "domainName",
                "apiId",
                "eventType",
                "connectedAt",
                "requestTimeEpoch",
                "messageId",
                "identity",
                "authorizer",
                "disconnectStatusCode",
                "routeKey",
            )
        ]
        targets += [
            (event, k)
            for k in (
                "body",
                "isBase64Encoded",
                "headers",
                "queryStringParameters",
                "multiValueHeaders",
                "multiValueQueryStringParameters",
                "requestContext",
            )
        ]
        for container, key in self.rng.sample(targets, self.rng.randint(1, 3)):
            container[key] = self.wrong()

    def _body_text(self, event: dict[str, Any]) -> None:
        event["body"] = self.text(40)
        event["isBase64Encoded"] = False

    def _body_json(self, event: dict[str, Any]) -> None:
        value = self.json_value()
        choice = self.rng.randrange(6)
        if choice == 0:
            text = json.dumps(value)
        elif choice == 1:
            text = json.dumps({"action": self.rng.choice(["say", "join", "$default"]), "data": value})
        elif choice == 2:
            depth = self.rng.choice([10, 128, 129, 500, 2000])
            text = "[" * depth + "1" + "]" * depth
        elif choice == 3:
            text = self.rng.choice(
                ['{"a":', "[1,]", "nul", '{"a":1}x', "\ufeff{}", '"\\x"', "01", "1e5", "-0", "[1e-400]"]
            )
        elif choice == 4:
            text = json.dumps(value, ensure_ascii=False) if not _has_surrogate(value) else json.dumps(value)
        else:
            text = (
                '{"n":' + self.rng.choice(["1.0", "1e21", "-0.0", "9007199254740993", "0.1", "1E+2", "123e-20"]) + "}"
            )
        event["body"] = text
        event["isBase64Encoded"] = False

    def _body_base64(self, event: dict[str, Any]) -> None:
        raw = bytes(self.rng.randrange(256) for _ in range(self.rng.randint(0, 40)))
        choice = self.rng.randrange(5)
        if choice == 0:
            body = base64.b64encode(raw).decode("ascii")
        elif choice == 1:
            body = base64.b64encode(json.dumps({"x": self.text(5, surrogates=False)}).encode()).decode("ascii")
        elif choice == 2:
            body = base64.b64encode(raw).decode("ascii").rstrip("=")
        elif choice == 3:
            body = self.rng.choice(["!!!!", "YQ", "YQ=", "YQ==YQ==", "Y Q==", "-_-_", "YWJj\n"])
        else:
            body = base64.urlsafe_b64encode(raw).decode("ascii")
        event["body"] = body
        event["isBase64Encoded"] = self.rng.random() < 0.9

    def _domain(self, event: dict[str, Any]) -> None:
        rc = _dict(event, "requestContext")
        rc["domainName"] = self.rng.choice(
            [
                "abc123.execute-api.us-east-1.amazonaws.com",
                "abc123.execute-api.cn-north-1.amazonaws.com.cn",
                "ws.example.com",
                "WS.Example.COM",
                "abc.execute-api.eu-west-2.amazonaws.com.evil.example",
                "execute-api.us-east-1.amazonaws.com",
                "",
                "localhost:8080",
            ]
        )
        if self.rng.random() < 0.5:
            rc["apiId"] = self.rng.choice(["abc123", "", "x" * 3])
        if self.rng.random() < 0.5:
            event["path"] = self.rng.choice(["/prod/chat", "/", "", "/v1/ws/", "chat"])
        if self.rng.random() < 0.3:
            rc["stage"] = self.rng.choice(["prod", "", "$default", "a/b"])

    def _authorizer(self, event: dict[str, Any]) -> None:
        tree = {"principalId": self.text(8)}
        for _ in range(self.rng.randint(0, 5)):
            tree[self.text(6)] = self.json_value(1)
        _dict(event, "requestContext")["authorizer"] = tree

    def _maps(self, event: dict[str, Any]) -> None:
        headers = {self.text(8, surrogates=False) or "X": self.text(10) for _ in range(self.rng.randint(0, 4))}
        event["headers"] = headers
        event["multiValueHeaders"] = {k: [v, self.text(4)] for k, v in headers.items()}
        event["queryStringParameters"] = {self.text(5): self.text(5) for _ in range(self.rng.randint(0, 3))}
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in event["queryStringParameters"].items()}
        if self.rng.random() < 0.2:
            event[self.rng.choice(["headers", "queryStringParameters"])] = {"k": self.wrong()}

    def _disconnect(self, event: dict[str, Any]) -> None:
        rc = _dict(event, "requestContext")
        rc["eventType"] = "DISCONNECT"
        rc["routeKey"] = "$disconnect"
        rc["disconnectStatusCode"] = self.rng.choice(
            [1000, 1001, 1005, 1006, 4000, 0, -1, 1000.5, 1000.0, "1000", None, 2**53 - 1, 2**53, 2**63, -(2**53) + 1]
        )
        rc["disconnectReason"] = self.text(20)

    def _timestamps(self, event: dict[str, Any]) -> None:
        rc = _dict(event, "requestContext")
        for key in ("connectedAt", "requestTimeEpoch"):
            rc[key] = self.rng.choice(
                [
                    1795675238012,
                    0,
                    -1,
                    1795675238012.5,
                    1795675238012.0,
                    "1795675238012",
                    253402300799999,
                    253402300800000,
                    253402300799999.5,
                    8590000000001,
                    True,
                    2**63,
                    -62135596800000,
                ]
            )

    def _route(self, event: dict[str, Any]) -> None:
        rc = _dict(event, "requestContext")
        rc["routeKey"] = self.rng.choice(["$connect", "$disconnect", "$default", "say", "", " say ", self.text(6)])
        rc["eventType"] = self.rng.choice(["CONNECT", "DISCONNECT", "MESSAGE", "message", ""])

    def _not_websocket(self, event: dict[str, Any]) -> None:
        choice = self.rng.randrange(3)
        if choice == 0:
            _dict(event, "requestContext").pop("connectionId", None)
        elif choice == 1:
            _dict(event, "requestContext").pop("routeKey", None)
        else:
            _dict(event, "requestContext")["connectionId"] = self.wrong()


def _dict(container: dict[str, Any], key: str) -> dict[str, Any]:
    """container[key] when it is an object; else a fresh object put there (an earlier variation may have broken it)."""
    value = container.get(key)
    if not isinstance(value, dict):
        value = {}
        container[key] = value
    return value


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    return False


def event_lines(seed: int, count: int) -> list[tuple[str, str]]:
    """(kind, one JSON line) for `count` events; lone surrogates are written as \\u escapes (ASCII lines)."""
    out = []
    for kind, event in EventGenerator(seed):
        out.append((kind, json.dumps(event, ensure_ascii=True, separators=(",", ":"))))
        if len(out) == count:
            return out
    return out
