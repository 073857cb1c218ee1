"""One warm Lambda "container": imports a handler once and runs the invocations its parent sends.

It runs in its own process so that handlers may fork (the validator does) and keep module-level state
between invocations exactly as on Lambda. Requests and responses travel as JSON lines over a private copy
of the original stdout; the handler's own prints and logs go to stderr, which the parent labels.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from dataclasses import dataclass
from typing import IO, Any

INIT_ID = "init"


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that handlers and Powertools read."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    deadline_ms: int

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self.deadline_ms - int(time.time() * 1000))


def _error(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def _load(handler: str) -> Any:
    module_name, _, function_name = handler.rpartition(".")
    module = importlib.import_module(module_name)
    return getattr(module, function_name)


def _reply(channel: IO[str], message: dict[str, Any]) -> None:
    try:
        line = json.dumps(message)
    except (TypeError, ValueError) as exc:
        line = json.dumps({"id": message.get("id"), "error": _error(exc, "Runtime.MarshalError")})
    channel.write(line + "\n")
    channel.flush()


def main() -> None:
    """Serve invocations until the parent closes stdin."""
    code_dir, handler = sys.argv[1], sys.argv[2]
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    os.chdir(code_dir)
    sys.path.insert(0, code_dir)
    function: Any = None
    init_error: dict[str, Any] | None = None
    started = time.monotonic()
    try:
        function = _load(handler)
    except Exception as exc:
        init_error = _error(exc, "Runtime.ImportModuleError")
        traceback.print_exc()
    init_ms = round((time.monotonic() - started) * 1000)
    _reply(channel, {"id": INIT_ID, "init_ms": init_ms, **({"error": init_error} if init_error else {})})
    for line in sys.stdin:
        request = json.loads(line)
        if init_error is not None:
            _reply(channel, {"id": request["id"], "error": init_error})
            continue
        context = LambdaContext(**request["context"])
        try:
            result = function(request["event"], context)
        except Exception as exc:
            traceback.print_exc()
            _reply(channel, {"id": request["id"], "error": _error(exc)})
        else:
            _reply(channel, {"id": request["id"], "result": result})


if __name__ == "__main__":
    main()
