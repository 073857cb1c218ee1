"""One warm Lambda "container": imports a handler once and runs the invocations its parent sends.

It runs in its own process so that handlers may fork (the validator does) and keep module-level state
between invocations exactly as on Lambda. The process is forked from a server that has already imported
the libraries every function uses (boto3, Powertools, pydantic, ...), so a worker starts in milliseconds
of CPU instead of a second, and imports only the function's own code, from disk, as a cold start does.
Requests and responses travel as JSON lines over one socket; the handler's prints and logs (stdout and
stderr) go to another, which the parent labels. Each request carries the stack's clock offset, which the
worker's clock follows before the handler runs (``clock.py``). Each answer carries the CPU milliseconds the
invocation took (the process's and its ended children's, as Lambda bills a container's), and the first
line the import's.
"""

from __future__ import annotations

import importlib
import json
import os
import socket
import sys
import time
import traceback
from dataclasses import dataclass
from typing import IO, Any

from cfp_tools.local.clock import Travel
from cfp_tools.local.usage import process_cpu

INIT_ID = "init"
# Imported once by the server the workers are forked from: the libraries the functions share, never the
# project's own code (a worker imports that fresh, so edits apply to the next worker).
PRELOADED = [
    "boto3",
    "botocore.client",
    "botocore.session",
    "aws_lambda_powertools.logging",
    "aws_lambda_powertools.metrics",
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.utilities.batch",
    "aws_lambda_powertools.utilities.data_classes",
    "aws_lambda_powertools.utilities.idempotency",
    "aws_lambda_powertools.utilities.parser",
    "aws_lambda_powertools.utilities.typing",
    "pydantic",
    "pydantic_settings",
    "jinja2",
    "email_validator",
]


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


def run(
    code_dir: str, handler: str, environment: dict[str, str], channel: socket.socket, logs: socket.socket
) -> None:
    """The worker's life in its forked process: become the function's process, import it, serve."""
    os.setsid()  # its own process group, so a timeout kills the handler's own children with it
    os.environ.clear()
    os.environ.update(environment)
    time.tzset()
    sys.dont_write_bytecode = True
    sys.path[:0] = environment.get("PYTHONPATH", code_dir).split(os.pathsep)
    os.dup2(logs.fileno(), 1)
    os.dup2(logs.fileno(), 2)
    logs.close()
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    os.chdir(code_dir)
    with (
        channel,
        channel.makefile("r", encoding="utf-8") as requests,
        channel.makefile("w", encoding="utf-8") as replies,
    ):
        serve(handler, requests, replies)


def serve(handler: str, requests: IO[str], replies: IO[str]) -> None:
    """Import the handler, say how long it took, then run invocations until the parent hangs up."""
    function: Any = None
    init_error: dict[str, Any] | None = None
    started, cpu = time.monotonic(), process_cpu()
    try:
        function = _load(handler)
    except Exception as exc:
        init_error = _error(exc, "Runtime.ImportModuleError")
        traceback.print_exc()
    init_ms = round((time.monotonic() - started) * 1000)
    init: dict[str, Any] = {"id": INIT_ID, "init_ms": init_ms, "cpu_ms": _cpu_ms(cpu)}
    _reply(replies, {**init, **({"error": init_error} if init_error else {})})
    clock = Travel()
    for line in requests:
        cpu = process_cpu()
        request = json.loads(line)
        clock.follow(request.get("clock", 0.0))
        if init_error is not None:
            _reply(replies, {"id": request["id"], "error": init_error, "cpu_ms": _cpu_ms(cpu)})
            continue
        context = LambdaContext(**request["context"])
        try:
            result = function(request["event"], context)
        except Exception as exc:
            traceback.print_exc()
            _reply(replies, {"id": request["id"], "error": _error(exc), "cpu_ms": _cpu_ms(cpu)})
        else:
            _reply(replies, {"id": request["id"], "result": result, "cpu_ms": _cpu_ms(cpu)})


def _cpu_ms(since: float) -> float:
    return round((process_cpu() - since) * 1000, 3)
