"""Run untrusted parsing in a forked child under CPU, wall-clock and address-space limits.

A fork of the already warm parent costs about a millisecond and needs no shared memory, which
Lambda does not offer (no /dev/shm, so no multiprocessing queues). The child sends one JSON document
back through a pipe; whatever happens to it (a crash in C code, an endless loop, an allocation
storm) the caller gets an `Outcome`, never an exception or a hang.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import json
import os
import resource
import select
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_MAX_REPLY = 16 * 1024 * 1024
_CRASH_SIGNALS = {signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS, signal.SIGILL, signal.SIGTRAP}


@dataclass(frozen=True)
class Limits:
    """What one check may use. ``memory_mb`` is address space on top of what the child inherits."""

    cpu_seconds: float
    wall_seconds: float
    memory_mb: int


@dataclass(frozen=True)
class Outcome:
    """What came back from the child: its reply, or why there is none."""

    reply: dict[str, Any] | None
    failure: str | None
    detail: str
    max_rss_mb: float
    elapsed_s: float


def run_isolated(task: Callable[[], dict[str, Any]], limits: Limits) -> Outcome:
    """Run `task` in a forked child and return its JSON-able reply or the limit it hit."""
    started = time.monotonic()
    inherited_mb, inherited_space_mb = _memory_mb()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, reported through the pipe
        os.close(read_fd)
        _child(task, limits, inherited_space_mb, write_fd)
    os.close(write_fd)
    try:
        data, timed_out = _read_reply(read_fd, started + limits.wall_seconds)
    finally:
        os.close(read_fd)
    if timed_out:
        _kill(pid)
    _, status, usage = os.wait4(pid, 0)
    rss_mb = usage.ru_maxrss / 1024.0
    elapsed = time.monotonic() - started
    if timed_out:
        return Outcome(None, "wall", f"no answer within {limits.wall_seconds:g} s", rss_mb, elapsed)
    # A crash counts as running out of memory when the child grew by a good part of its allowance.
    out_of_memory = rss_mb - inherited_mb >= 0.25 * limits.memory_mb
    return _interpret(data, status, rss_mb, out_of_memory, elapsed, limits)


def _memory_mb() -> tuple[float, float]:
    """This process's resident memory and address space now; a forked child starts with both.

    The child's address-space limit is set on top of what it inherits, so a warm parent that has
    loaded the PDF libraries (hundreds of MB of mappings) leaves every check the same allowance.
    """
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            size, resident = (int(field) for field in statm.read().split()[:2])
    except (OSError, ValueError):
        return 0.0, 0.0
    page_mb = os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
    return resident * page_mb, size * page_mb


def _child(  # pragma: no cover
    task: Callable[[], dict[str, Any]], limits: Limits, inherited_space_mb: float, write_fd: int
) -> None:
    """Apply the limits, run the task and exit without running the parent's cleanup handlers.

    A crash is reported by the exit status, so the child dumps no traceback of its own. The child
    lives for milliseconds, so it skips garbage collection, which would touch (and copy) every page
    of the parent's heap.
    """
    code = 0
    faulthandler.disable()
    gc.disable()
    try:
        memory = int((inherited_space_mb + limits.memory_mb) * 1024 * 1024)
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        cpu = max(1, int(limits.cpu_seconds + 0.999))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        reply: dict[str, Any] = {"ok": task()}
    except MemoryError:
        reply = {"failure": "memory", "detail": "the memory limit was reached"}
    except BaseException as exc:
        reply = {"failure": "exception", "detail": f"{type(exc).__name__}: {exc}"[:500]}
    try:
        payload = json.dumps(reply).encode()
        view = memoryview(payload)
        while view:
            view = view[os.write(write_fd, view) :]
    except BaseException:
        code = 3
    os._exit(code)


def _read_reply(fd: int, deadline: float) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return b"", True
        if not poller.poll(remaining * 1000):
            continue
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks), False
        size += len(chunk)
        if size <= _MAX_REPLY:
            chunks.append(chunk)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _interpret(
    data: bytes, status: int, rss_mb: float, out_of_memory: bool, elapsed: float, limits: Limits
) -> Outcome:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig in (signal.SIGXCPU, signal.SIGKILL):
            return Outcome(None, "cpu", f"more than {limits.cpu_seconds:g} s of CPU time", rss_mb, elapsed)
        name = signal.Signals(sig).name if sig in signal.Signals.__members__.values() else str(sig)
        if sig in _CRASH_SIGNALS and out_of_memory:
            return Outcome(None, "memory", f"the reader ran out of memory ({name})", rss_mb, elapsed)
        return Outcome(None, "crash", f"the PDF reader crashed ({name})", rss_mb, elapsed)
    try:
        reply = json.loads(data)
    except ValueError:
        return Outcome(None, "crash", "the PDF reader stopped without an answer", rss_mb, elapsed)
    if not isinstance(reply, dict):
        return Outcome(None, "crash", "the PDF reader gave a malformed answer", rss_mb, elapsed)
    if "ok" in reply and isinstance(reply["ok"], dict):
        return Outcome(reply["ok"], None, "", rss_mb, elapsed)
    return Outcome(None, str(reply.get("failure", "crash")), str(reply.get("detail", "")), rss_mb, elapsed)
