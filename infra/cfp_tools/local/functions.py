"""Parent side of the warm function workers: start, invoke with a deadline, restart after a timeout."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import queue
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from cfp_tools.local.usage import Meter
from cfp_tools.local.worker import INIT_ID, PRELOADED
from cfp_tools.local.worker import run as run_worker
from cfp_tools.template import REGION, Function, arn

INIT_TIMEOUT_SECONDS = 10
# Workers are forked from one server process that has imported the libraries they share (see worker.py).
_FORKS = multiprocessing.get_context("forkserver")
_FORKS.set_forkserver_preload(PRELOADED)


class InvocationError(Exception):
    """The handler raised, timed out or could not be loaded; ``payload`` is Lambda's error document."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(payload.get("errorMessage", "invocation failed"))
        self.payload = payload


@dataclass(frozen=True)
class Endpoints:
    """Where the workers' AWS SDKs send their calls."""

    aws: str
    s3: str


FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_SESSION_TOKEN": "",
}


def lambda_environment(function: Function, name: str, endpoints: Endpoints) -> dict[str, str]:
    """The process environment Lambda would give ``function``, pointed at the local endpoints."""
    paths = [str(function.code_dir), *(str(path) for path in function.layer_dirs)]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "PYTHONPATH": os.pathsep.join(paths),
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "AWS_ENDPOINT_URL": endpoints.aws,
        "AWS_ENDPOINT_URL_S3": endpoints.s3,
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    env.update(function.environment)
    return env


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


class CodeWatch:
    """The newest modification time among the Python files under some folders, checked before every
    invocation: it stats the files and folders it found last time and walks the folders again only when
    one of them changed (a file added, removed or renamed), since walking them costs a hundred times more.
    """

    def __init__(self, roots: tuple[Path, ...]) -> None:
        self._roots = roots
        self._folders: dict[str, float] = {}
        self._files: list[str] = []

    def newest(self) -> float:
        if not self._folders or any(_mtime(folder) != seen for folder, seen in self._folders.items()):
            self._walk()
        return max((_mtime(path) for path in self._files), default=0.0)

    def _walk(self) -> None:
        folders: dict[str, float] = {}
        files: list[str] = []
        for root in self._roots:
            for folder, subfolders, names in os.walk(root):
                subfolders[:] = [name for name in subfolders if name != "__pycache__"]
                folders[folder] = _mtime(folder)
                files += [os.path.join(folder, name) for name in names if name.endswith(".py")]
        self._folders, self._files = folders, files


class FunctionWorker:
    """One function's warm worker process; invocations are serialised like one Lambda container.

    Unlike Lambda, a worker is replaced when the function's code changes, so edits apply to the next
    invocation without restarting the stack.
    """

    def __init__(
        self,
        function: Function,
        name: str,
        endpoints: Endpoints,
        log: Callable[[str], None],
        clock_offset: Callable[[], float],
        meter: Meter,
    ) -> None:
        self.function = function
        self.name = name
        self.arn = arn("lambda", f"function:{name}")
        self._endpoints = endpoints
        self._env = lambda_environment(function, name, endpoints)
        self._log = log
        self._clock_offset = clock_offset
        self._meter = meter
        self._lock = threading.Lock()
        self._process: BaseProcess | None = None
        self._channel: socket.socket | None = None
        self._replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        # What each invocation in flight is, by request id, for its CPU's operation (an API's route).
        self._operations: dict[str, str | None] = {}
        self._threads: list[threading.Thread] = []
        self._initialized = False
        self._code = CodeWatch((function.code_dir, *function.layer_dirs))
        self._code_version = 0.0

    def sibling(self) -> FunctionWorker:
        """Another instance of the same function, as Lambda starts one more to scale out."""
        return FunctionWorker(
            self.function, self.name, self._endpoints, self._log, self._clock_offset, self._meter
        )

    def code_version(self) -> float:
        """The newest modification time among the function's and its layers' Python files."""
        return self._code.newest()

    def start(self) -> None:
        """Start the process now so the handler's cold start overlaps with the stack's start-up."""
        with self._lock:
            self._ensure_started()

    def _ensure_started(self) -> BaseProcess:
        """The running worker; a new one when there is none or the code changed since it started."""
        version = self.code_version()
        if self._process is not None and self._process.is_alive():
            if version == self._code_version:
                return self._process
            self._log(f"{self.function.logical_id}: code changed, starting a new worker")
            self._stop_process()
        self._code_version = version
        self._replies = queue.Queue()
        self._initialized = False
        channel, workers_channel = socket.socketpair()
        logs, workers_logs = socket.socketpair()
        arguments = (
            str(self.function.code_dir),
            self.function.handler,
            self._env,
            workers_channel,
            workers_logs,
        )
        process = _FORKS.Process(target=run_worker, args=arguments, name=self.name)
        process.start()
        workers_channel.close()
        workers_logs.close()
        replies = self._replies
        self._threads = [
            threading.Thread(target=self._read_replies, args=(channel, replies), daemon=True),
            threading.Thread(target=self._relay_logs, args=(logs,), daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        self._process, self._channel = process, channel
        return process

    def _read_replies(self, channel: socket.socket, replies: queue.Queue[dict[str, Any] | None]) -> None:
        with contextlib.suppress(OSError), channel.makefile("r", encoding="utf-8") as lines:
            for line in lines:
                reply = json.loads(line)
                part = self.function.logical_id
                if reply.get("id") == INIT_ID:
                    outcome = "failed" if "error" in reply else "done"
                    self._log(f"{part}: init {outcome} in {reply['init_ms']} ms")
                    part += " init"
                if "cpu_ms" in reply:
                    operation = self._operations.pop(str(reply.get("id")), None)
                    self._meter.add(part, reply["cpu_ms"] / 1000, operation=operation, here=False)
                replies.put(reply)
        replies.put(None)

    def _relay_logs(self, logs: socket.socket) -> None:
        with logs, logs.makefile("r", encoding="utf-8", errors="replace") as lines:
            for line in lines:
                self._log(f"[{self.function.logical_id}] {line.rstrip()}")

    def invoke(self, event: Any, request_id: str | None = None) -> Any:
        """Run the handler on ``event`` within the function's timeout and return its result."""
        request_id = request_id or str(uuid.uuid4())
        with self._lock:
            process = self._ensure_started()
            if not self._initialized:
                self._await_init()
            # The handler's deadline is on the stack's clock; waiting for it is not, so moving the clock
            # forward never cuts an invocation short.
            deadline = time.time() + self.function.timeout
            context = {
                "function_name": self.name,
                "function_version": "$LATEST",
                "invoked_function_arn": self.arn,
                "memory_limit_in_mb": self.function.memory_mb,
                "aws_request_id": request_id,
                "log_group_name": f"/aws/lambda/{self.name}",
                "log_stream_name": f"local/[$LATEST]{process.pid}",
                "deadline_ms": int(deadline * 1000),
            }
            request = {"id": request_id, "event": event, "context": context, "clock": self._clock_offset()}
            self._operations[request_id] = self._meter.operation(event)
            try:
                assert self._channel is not None
                self._channel.sendall((json.dumps(request) + "\n").encode())
            except OSError:
                self._stop_process()
                raise InvocationError(
                    {"errorType": "Runtime.ExitError", "errorMessage": "worker exited"}
                ) from None
            return self._await_reply(request_id, time.monotonic() + self.function.timeout)

    def _await_init(self) -> None:
        """Wait for the handler's import, which Lambda times separately from the invocation."""
        self._next_reply(
            INIT_TIMEOUT_SECONDS,
            ("Runtime.InitTimeout", f"Init phase timed out after {INIT_TIMEOUT_SECONDS} seconds"),
            "Runtime exited during init",
        )
        self._initialized = True

    def _await_reply(self, request_id: str, ends: float) -> Any:
        while True:
            reply = self._next_reply(
                max(0.0, ends - time.monotonic()),
                ("Sandbox.Timedout", f"Task timed out after {self.function.timeout:.2f} seconds"),
                "Runtime exited without providing a reason",
            )
            if reply.get("id") != request_id:
                continue
            if "error" in reply:
                raise InvocationError(reply["error"])
            return reply.get("result")

    def _next_reply(self, timeout: float, timed_out: tuple[str, str], exited: str) -> dict[str, Any]:
        """The worker's next reply. A worker silent past ``timeout`` is killed and one gone raises, each as
        Lambda reports it: ``timed_out`` is the timeout's error type and message, ``exited`` the exit's."""
        try:
            reply = self._replies.get(timeout=timeout)
        except queue.Empty:
            self._stop_process(kill=True)
            raise InvocationError({"errorType": timed_out[0], "errorMessage": timed_out[1]}) from None
        if reply is None:
            self._stop_process()
            raise InvocationError({"errorType": "Runtime.ExitError", "errorMessage": exited})
        return reply

    def _stop_process(self, kill: bool = False) -> None:
        process, channel = self._process, self._channel
        self._process = self._channel = None
        if process is None or channel is None:
            return
        if kill:
            _kill_group(process)
        with contextlib.suppress(OSError):
            channel.shutdown(socket.SHUT_WR)  # the worker's loop ends when its requests do
        process.join(timeout=2)
        if process.is_alive():
            _kill_group(process)
            process.join()
        channel.close()
        for thread in self._threads:
            thread.join(timeout=2)

    def stop(self) -> None:
        with self._lock:
            self._stop_process()


def _kill_group(process: BaseProcess) -> None:
    """Kill a worker and whatever it forked (its process group), or the worker alone before it made one."""
    assert process.pid is not None
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        process.kill()


class FunctionPool:
    """Up to ``instances`` warm workers of one function, started on demand the way Lambda scales out.

    An invocation takes an idle worker (the most recently used, so few stay warm) or starts another while
    fewer than ``instances`` exist, and otherwise waits for one; so concurrent API requests run in
    parallel instead of queueing behind one process.
    """

    def __init__(self, first: FunctionWorker, instances: int = 1) -> None:
        self.function = first.function
        self.name = first.name
        self._instances = max(1, instances)
        self.arn = first.arn
        self._workers = [first]
        self._idle: queue.LifoQueue[FunctionWorker] = queue.LifoQueue()
        self._idle.put(first)
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the first worker now so its cold start overlaps with the stack's start-up."""
        self._workers[0].start()

    def _take(self) -> FunctionWorker:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if len(self._workers) < self._instances:
                worker = self._workers[0].sibling()
                self._workers.append(worker)
                return worker
        return self._idle.get()

    def invoke(self, event: Any, request_id: str | None = None) -> Any:
        """Run the handler on ``event`` in an idle worker (see ``FunctionWorker.invoke``)."""
        worker = self._take()
        try:
            return worker.invoke(event, request_id)
        finally:
            self._idle.put(worker)

    def stop(self) -> None:
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            worker.stop()
