"""A tiny Lambda runtime (standard library only): the Runtime API loop for a Python handler.

    python tests/e2e/lambda_child.py path/to/app.py:handler

What `apptheory dev --cmd` starts in tests: it reads AWS_LAMBDA_RUNTIME_API, loads the handler, then
loops GET /invocation/next -> handler(event, context) -> POST /response (or /error). An import
failure is reported to /init/error, as Lambda runtimes do. Never logs events or bodies.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
import traceback
import urllib.request
from pathlib import Path
from typing import Any

API = f"http://{os.environ['AWS_LAMBDA_RUNTIME_API']}/2018-06-01/runtime"


class Context:
    def __init__(self, request_id: str, deadline_ms: int, arn: str) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def post(path: str, payload: Any, headers: dict[str, str] | None = None) -> None:
    data = json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(f"{API}{path}", data=data, method="POST", headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def load(spec: str) -> Any:
    path_text, _, attr = spec.partition(":")
    path = Path(path_text).resolve()
    sys.path.insert(0, str(path.parent))
    module_spec = importlib.util.spec_from_file_location(path.stem, path)
    assert module_spec is not None
    assert module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[path.stem] = module
    module_spec.loader.exec_module(module)
    return getattr(module, attr or "handler")


def main() -> int:
    try:
        handler = load(sys.argv[1])
    except Exception as err:
        post("/init/error", {"errorType": type(err).__name__, "errorMessage": "init failed"})
        return 1
    while True:
        with urllib.request.urlopen(f"{API}/invocation/next", timeout=None) as response:
            request_id = response.headers["Lambda-Runtime-Aws-Request-Id"]
            context = Context(
                request_id,
                int(response.headers["Lambda-Runtime-Deadline-Ms"]),
                response.headers.get("Lambda-Runtime-Invoked-Function-Arn", ""),
            )
            event = json.loads(response.read())
        try:
            result = handler(event, context)
        except Exception as err:
            traceback.print_exc()
            post(
                f"/invocation/{request_id}/error",
                {"errorType": type(err).__name__, "errorMessage": "handler failed", "stackTrace": []},
                {"Lambda-Runtime-Function-Error-Type": f"Unhandled.{type(err).__name__}"},
            )
            continue
        post(f"/invocation/{request_id}/response", result)


if __name__ == "__main__":
    raise SystemExit(main())
