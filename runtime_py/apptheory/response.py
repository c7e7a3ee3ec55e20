"""Handler results and their API Gateway proxy form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from apptheory.canonical import encode_json_text

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"
BINARY_CONTENT_TYPE = "application/octet-stream"

HeaderValues = str | Sequence[str]
_ASCII_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}  # names: A-Z only, as every language


class Response:
    """An explicit response: status, headers (one or many values each) and a text or bytes body."""

    __slots__ = ("body", "headers", "status")

    def __init__(
        self, status: int = 200, body: str | bytes = "", headers: Mapping[str, HeaderValues] | None = None
    ) -> None:
        self.status = status
        self.body = body
        self.headers: Mapping[str, HeaderValues] = headers if headers is not None else {}

    def __repr__(self) -> str:
        return f"Response(status={self.status!r}, body={self.body!r}, headers={self.headers!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Response):
            return NotImplemented
        return (self.status, self.body, dict(self.headers)) == (other.status, other.body, dict(other.headers))

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def json(cls, value: Any, status: int = 200, headers: Mapping[str, HeaderValues] | None = None) -> Response:
        body = encode_json_text(value)
        return cls(status, body, {"content-type": JSON_CONTENT_TYPE, **(headers or {})})

    @classmethod
    def text(cls, value: str, status: int = 200, headers: Mapping[str, HeaderValues] | None = None) -> Response:
        return cls(status, value, {"content-type": TEXT_CONTENT_TYPE, **(headers or {})})

    def to_proxy(self) -> dict[str, Any]:
        """The Lambda proxy response; raises ValueError for a status or header that cannot be sent."""
        if isinstance(self.status, bool) or not isinstance(self.status, int) or not 100 <= self.status <= 599:
            raise ValueError(f"response status must be an integer 100-599, got {self.status!r}")
        multi: dict[str, list[str]] = {}
        for name, values in self.headers.items():
            items = [values] if isinstance(values, str) else list(values)
            if not isinstance(name, str) or not name or any(c in name for c in "\r\n: "):
                raise ValueError(f"invalid response header name {name!r}")
            for item in items:
                if not isinstance(item, str) or "\r" in item or "\n" in item:
                    raise ValueError(f"invalid value for response header {name!r}")
            multi.setdefault(name.lower() if name.isascii() else name.translate(_ASCII_LOWER), []).extend(items)
        if isinstance(self.body, bytes | bytearray | memoryview):
            import base64  # only binary responses pay for the import

            body, is_base64 = base64.b64encode(bytes(self.body)).decode("ascii"), True
        elif isinstance(self.body, str):
            body, is_base64 = self.body, False
        else:
            raise ValueError(f"response body must be str or bytes, got {type(self.body).__name__}")
        return {
            "statusCode": self.status,
            "headers": {name: values[-1] for name, values in multi.items() if values},
            "multiValueHeaders": multi,
            "body": body,
            "isBase64Encoded": is_base64,
        }


def from_result(result: object) -> Response:
    """Turn a handler's return value into a Response (docs/runtime.md "Handler results")."""
    if isinstance(result, Response):
        return result
    if result is None:
        return Response()
    if isinstance(result, dict | list):
        return Response.json(result)
    if isinstance(result, str):
        return Response.text(result)
    if isinstance(result, bytes | bytearray | memoryview):
        return Response(200, bytes(result), {"content-type": BINARY_CONTENT_TYPE})
    raise TypeError(f"handler returned {type(result).__name__}; return a Response, dict, list, str, bytes or None")


def proxy_for(result: object) -> dict[str, Any]:
    """The proxy response for a handler's result; JSON results (the common case) take a direct path."""
    if type(result) is dict or type(result) is list:
        return {
            "statusCode": 200,
            "headers": {"content-type": JSON_CONTENT_TYPE},
            "multiValueHeaders": {"content-type": [JSON_CONTENT_TYPE]},
            "body": encode_json_text(result),
            "isBase64Encoded": False,
        }
    return from_result(result).to_proxy()


def error_response(code: str, message: str, status: int, request_id: str) -> dict[str, Any]:
    """The error envelope as a proxy response."""
    envelope = {"error": {"code": code, "message": message, "request_id": request_id}}
    return Response.json(envelope, status=status).to_proxy()
