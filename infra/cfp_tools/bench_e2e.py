"""End-to-end benchmark of the local stack: `cfp bench-e2e -n 1000`.

Starts a ``cfp local`` (or targets a running one with ``--api-url``), then ``--clients`` concurrent authors
each create a submission, upload its PDF through the presigned POST and poll until the verdict is on
record. It prints wall time, submissions per second, upload-to-verdict median and p95, the API's latency
by decile of the run (so a stack that slows down as it fills up shows it), the mails in the outbox, and
where the CPU went: milliseconds per invocation of each function (what Lambda bills), per request of
moto's services and the stack's fronts, and in all per submission (``/_local/usage``). Wall time depends on
the machine and on what else runs on it; CPU per submission hardly does, so compare changes by it.

The API's creation limit (60 submissions per client IP an hour) would refuse a load
test from 127.0.0.1, so a stack started here raises ``MaxSubmissionsPerClientPerHour`` with ``--param``,
and each author has an address of their own.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfp_tools.pdfs import make_abstract

# Targets from the project's performance brief, printed beside the figures.
TARGET_SECONDS_PER_1000 = 120.0
TARGET_P95_GROWTH = 2.0
# Mails the notifier sends a second (the template's MailsPerSecond default): the outbox fills at this pace.
MAILS_PER_SECOND = 7


@dataclass
class Author:
    """One simulated author's timings; API calls are (seconds, route) in the order they were made."""

    index: int
    api_calls: list[tuple[float, str]] = field(default_factory=list)
    upload_seconds: float = 0.0
    upload_to_verdict: float = 0.0
    outcome: str = ""
    error: str = ""


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.started = time.monotonic()
        self._drawn = 0.0
        self._lock = threading.Lock()

    def step(self) -> None:
        with self._lock:
            self.done += 1
            if self.done < self.total and time.monotonic() - self._drawn < 0.5:
                return
            self._drawn = time.monotonic()
            width = 40
            filled = width * self.done // self.total
            rate = self.done / max(1e-9, time.monotonic() - self.started)
            bar = "#" * filled + "." * (width - filled)
            sys.stderr.write(f"\r[{bar}] {self.done}/{self.total} verdicts, {rate:.1f}/s")
            if self.done == self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()


def _submission(index: int) -> dict[str, Any]:
    email = f"author{index:05d}@bench.example"
    return {
        "title": f"Benchmark poster {index:05d}",
        "authors": [{"name": f"Author {index:05d}", "email": email, "affiliation": "Bench Lab"}],
        "contact_email": email,
        "abstract": "A poster made by the end-to-end benchmark.",
    }


def run_author(api: str, index: int, pdf: bytes, session: Any, timeout: float, poll: float) -> Author:
    """Create, upload and poll one submission until its verdict is on record."""
    author = Author(index)

    def call(route: str, method: str, url: str, **kwargs: Any) -> Any:
        started = time.monotonic()
        response = session.request(method, url, timeout=60, **kwargs)
        author.api_calls.append((time.monotonic() - started, route))
        return response

    created = call("POST /submissions", "POST", f"{api}/submissions", json=_submission(index))
    if created.status_code != 201:
        author.error = f"create: HTTP {created.status_code} {created.text[:200]}"
        return author
    body = created.json()
    upload = body["upload"]
    started = time.monotonic()
    uploaded = session.post(
        upload["url"],
        data=upload["fields"],
        files={"file": ("abstract.pdf", pdf, "application/pdf")},
        timeout=60,
    )
    author.upload_seconds = time.monotonic() - started
    if uploaded.status_code not in {200, 201, 204}:
        author.error = f"upload: HTTP {uploaded.status_code} {uploaded.text[:200]}"
        return author
    uploaded_at = time.monotonic()
    headers = {"Authorization": f"Bearer {body['token']}"}
    url = f"{api}/submissions/{body['id']}"
    while time.monotonic() - uploaded_at < timeout:
        view = call("GET /submissions/{id}", "GET", url, headers=headers)
        if view.status_code != 200:
            author.error = f"read: HTTP {view.status_code} {view.text[:200]}"
            return author
        verdict = view.json().get("verdict")
        if verdict is not None:
            author.upload_to_verdict = time.monotonic() - uploaded_at
            author.outcome = str(verdict.get("outcome"))
            return author
        time.sleep(poll)
    author.error = f"no verdict within {timeout:.0f} s"
    return author


def _count_mails(outbox: Path) -> int:
    return len(list(outbox.glob("*.eml")))


def await_mails(outbox: Path, expected: int, timeout: float) -> tuple[int, float]:
    """Mails in ``outbox`` once ``expected`` arrived or nothing new came for the batching window."""
    started = time.monotonic()
    count, last_change = _count_mails(outbox), time.monotonic()
    while time.monotonic() - started < timeout and count < expected:
        time.sleep(1)
        now = _count_mails(outbox)
        if now != count:
            count, last_change = now, time.monotonic()
        elif time.monotonic() - last_change > 90:
            break
    return count, time.monotonic() - started


def decile_table(authors: list[Author]) -> list[tuple[int, int, int, float, float]]:
    """API latency per tenth of the run (authors in creation order): (first, last, calls, p50, p95) in ms."""
    ordered = sorted(authors, key=lambda author: author.index)
    rows = []
    size = max(1, len(ordered) // 10)
    for start in range(0, len(ordered), size):
        chunk = ordered[start : start + size]
        latencies = [seconds * 1000 for author in chunk for seconds, _ in author.api_calls]
        rows.append(
            (
                chunk[0].index + 1,
                chunk[-1].index + 1,
                len(latencies),
                _percentile(latencies, 0.5),
                _percentile(latencies, 0.95),
            )
        )
    return rows


def p95_growth(authors: list[Author], window: int = 100) -> tuple[float, float]:
    """The API's p95 over the first and the last ``window`` submissions, in ms."""
    ordered = sorted(authors, key=lambda author: author.index)
    window = min(window, max(1, len(ordered) // 2))

    def p95(chunk: list[Author]) -> float:
        return _percentile([s * 1000 for a in chunk for s, _ in a.api_calls], 0.95)

    return p95(ordered[:window]), p95(ordered[-window:])


def report(authors: list[Author], wall: float, mails: int | None, mail_wait: float, n: int) -> bool:
    """Print the figures beside their targets; true when every target held."""
    done = [author for author in authors if not author.error]
    verdict_times = [author.upload_to_verdict for author in done]
    print(f"submissions      {len(done)}/{n} with a verdict ({n - len(done)} failed)")
    print(f"wall time        {wall:.1f} s (target < {TARGET_SECONDS_PER_1000 * n / 1000:.0f} s)")
    print(f"throughput       {len(done) / wall:.1f} submissions/s")
    print(
        f"upload→verdict   median {statistics.median(verdict_times) if done else float('nan'):.2f} s,"
        f" p95 {_percentile(verdict_times, 0.95):.2f} s"
    )
    uploads = [author.upload_seconds * 1000 for author in done]
    print(
        f"upload (S3 POST) median {_percentile(uploads, 0.5):.0f} ms, p95 {_percentile(uploads, 0.95):.0f} ms"
    )
    routes: dict[str, list[float]] = {}
    for author in done:
        for seconds, route in author.api_calls:
            routes.setdefault(route, []).append(seconds * 1000)
    for route, latencies in sorted(routes.items()):
        print(
            f"  {route:<22} {len(latencies):>6} calls, median {_percentile(latencies, 0.5):.0f} ms,"
            f" p95 {_percentile(latencies, 0.95):.0f} ms"
        )
    print("API latency by decile of the run (submissions in creation order):")
    print(f"  {'submissions':>13} {'calls':>6} {'p50 ms':>7} {'p95 ms':>7}")
    for first, last, calls, p50, p95 in decile_table(done):
        print(f"  {first:>6}-{last:<6} {calls:>6} {p50:>7.0f} {p95:>7.0f}")
    head, tail = p95_growth(done)
    growth = tail / head if head else float("inf")
    print(
        f"p95 growth       first 100 {head:.0f} ms, last 100 {tail:.0f} ms: {growth:.2f}x"
        f" (target <= {TARGET_P95_GROWTH:.0f}x)"
    )
    if mails is not None:
        print(
            f"mails sent       {mails} (the last {mail_wait:.0f} s after the last verdict: the notifier"
            f" sends {MAILS_PER_SECOND} a second, after a batching window of up to 60 s)"
        )
    for author in authors:
        if author.error:
            print(f"  submission {author.index}: {author.error}", file=sys.stderr)
    return len(done) == n and wall <= TARGET_SECONDS_PER_1000 * n / 1000 and growth <= TARGET_P95_GROWTH


def usage_between(before: dict[str, Any], after: dict[str, Any], key: str) -> dict[str, tuple[int, float]]:
    """Calls and CPU seconds by part (``key`` "parts") or operation ("operations") between two readings."""
    spent = {}
    for name, now in after.get(key, {}).items():
        then = before.get(key, {}).get(name, {"calls": 0, "cpu_seconds": 0.0})
        calls, seconds = now["calls"] - then["calls"], now["cpu_seconds"] - then["cpu_seconds"]
        if calls or seconds > 0.0005:
            spent[name] = (calls, seconds)
    return spent


def report_cpu(
    parts: dict[str, tuple[int, float]],
    operations: dict[str, tuple[int, float]],
    submissions: int,
    client_seconds: float,
    detail: bool,
) -> None:
    """CPU by part of the stack, heaviest first: per call and per submission, then in all."""
    per = max(1, submissions)
    total = sum(seconds for _, seconds in parts.values())
    print("CPU by part of the stack (ms per call: per invocation for a function, per request for a server):")
    print(f"  {'part':<34} {'calls':>7} {'ms/call':>8} {'ms/submission':>14} {'share':>6}")
    for name, (calls, seconds) in sorted(parts.items(), key=lambda item: -item[1][1]):
        per_call = f"{seconds * 1000 / calls:8.1f}" if calls else f"{'':>8}"
        share = seconds / total if total else 0.0
        print(f"  {name:<34} {calls:>7} {per_call} {seconds * 1000 / per:>14.1f} {share:>6.0%}")
        if detail:
            for operation, (op_calls, op_seconds) in sorted(operations.items(), key=lambda i: -i[1][1]):
                if operation.startswith(f"{name}: ") and op_calls:
                    label = "  " + operation.partition(": ")[2]
                    print(
                        f"  {label:<34} {op_calls:>7} {op_seconds * 1000 / op_calls:8.1f}"
                        f" {op_seconds * 1000 / per:>14.1f}"
                    )
    stack_ms, client_ms = total * 1000 / per, client_seconds * 1000 / per
    print(
        f"CPU per submission {stack_ms:.0f} ms of the stack ({total:.1f} CPU-s in all)"
        f" + {client_ms:.0f} ms of this benchmark's clients: on 2 cores, at least"
        f" {(stack_ms + client_ms) / 2:.0f} s per 1000 submissions"
    )


def run_benchmark(api: str, n: int, clients: int, timeout: float, poll: float) -> tuple[list[Author], float]:
    """Run ``n`` authors against ``api`` with ``clients`` at a time; their timings and the wall time."""
    import requests

    pdf = make_abstract(body_pages=2)
    progress = Progress(n)
    local = threading.local()

    def one(index: int) -> Author:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        try:
            author = run_author(api, index, pdf, local.session, timeout, poll)
        except requests.RequestException as exc:
            author = Author(index, error=f"{type(exc).__name__}: {exc}")
        progress.step()
        return author

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        authors = list(pool.map(one, range(n)))
    return authors, time.monotonic() - started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cfp bench-e2e", description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=1000, help="submissions (default 1000)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent authors (default 16)")
    parser.add_argument("--api-url", help="a running cfp local's API (default: start one)")
    parser.add_argument("--outbox", type=Path, help="that stack's outbox, to count its mails")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for one verdict")
    parser.add_argument("--poll", type=float, default=0.5, help="seconds between verdict polls (default 0.5)")
    parser.add_argument("--no-mail", action="store_true", help="do not wait for the mails")
    parser.add_argument("--cpu-detail", action="store_true", help="CPU by operation within each part too")
    args = parser.parse_args(argv)
    if args.api_url:
        return _measure(args, args.api_url.rstrip("/"), args.outbox)
    with tempfile.TemporaryDirectory(prefix="cfp-bench-") as workdir:
        outbox = Path(workdir) / "outbox"
        limit = str(max(60, 2 * args.n))
        params = [f"MaxSubmissionsPerClientPerHour={limit}"]
        with start_in_background(Path(workdir), outbox, params) as api:
            return _measure(args, api, outbox)


@contextlib.contextmanager
def start_in_background(workdir: Path, outbox: Path, params: list[str]) -> Iterator[str]:
    """A ``cfp local`` in its own process on a free port, as a developer runs it; its API's URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = workdir / "cfp-local.log"
    command = [sys.executable, "-m", "cfp_tools.cli", "local", "--port", str(port), "--outbox", str(outbox)]
    for param in params:
        command += ["--param", param]
    with log.open("w") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        deadline = time.monotonic() + 120
        while "ready in" not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"cfp local did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.1)
        sys.stderr.write(f"cfp local on port {port} ({' '.join(params)}); its log: {log}\n")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _usage(api: str) -> dict[str, Any]:
    """The stack's CPU by part so far (``/_local/usage``); empty from a stack that does not say."""
    import requests

    response = requests.get(f"{api}/_local/usage", timeout=30)
    usage: dict[str, Any] = response.json() if response.status_code == 200 else {}
    return usage


def _measure(args: argparse.Namespace, api: str, outbox: Path | None) -> int:
    import requests

    before = _count_mails(outbox) if outbox else 0
    usage_before = _usage(api)
    client_cpu = time.process_time()
    authors, wall = run_benchmark(api, args.n, args.clients, args.timeout, args.poll)
    client_cpu = time.process_time() - client_cpu
    mails: int | None = None
    waited = 0.0
    if outbox is not None and not args.no_mail:
        sys.stderr.write("waiting for the notifier's batching window to send the mails...\n")
        # A receipt and a verdict per author and at least one digest, sent at MailsPerSecond.
        expected = 2 * args.n + 1
        total, waited = await_mails(outbox, before + expected, timeout=120 + expected / MAILS_PER_SECOND)
        mails = total - before
    if not args.no_mail:
        # Whatever the submissions set off (mails, digests) counts towards their CPU.
        requests.get(f"{api}/_local/settled", params={"wait": "300"}, timeout=330)
    usage_after = _usage(api)
    held = report(authors, wall, mails, waited, args.n)
    if usage_after:
        report_cpu(
            usage_between(usage_before, usage_after, "parts"),
            usage_between(usage_before, usage_after, "operations"),
            sum(1 for author in authors if not author.error),
            client_cpu,
            args.cpu_detail,
        )
    return 0 if held else 1
