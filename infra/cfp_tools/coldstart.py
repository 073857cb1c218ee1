"""Cold-start benchmark: how long each function's module takes to import in a fresh interpreter.

Import time is the part of a Lambda cold start that the code controls (the runtime's own start is the same
for every function). Each sample is a new process that imports the handler module the way the runtime
does, with the template's environment variable names set to placeholders (the handler parses them at
import, as a cold start does); the figure excludes the
interpreter's own start-up. A bare ``import boto3`` in fresh interpreters of the same run is the baseline
every function pays anyway; each function's ratio to it is what the targets are stated in (the API at
most 2x, the notifier and the deadline keeper at most 1.5x), because it holds on a fast and a slow machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

_PROBE = """
import importlib.util, sys, time
start = time.perf_counter()
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print((time.perf_counter() - start) * 1000)
"""

_BASELINE = """
import sys, time
start = time.perf_counter()
import boto3
print((time.perf_counter() - start) * 1000)
"""

# The most each function's import may cost, as a multiple of the bare boto3 import.
TARGETS = {"api": 2.0, "notifier": 1.5, "deadline": 1.5}

_ENVIRONMENT = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "CONFERENCE_NAME": "Benchmark",
    "DEADLINE": "2017-08-31T23:59:59-12:00",
    "SENDER_EMAIL": "cfp@example.org",
    "TABLE_NAME": "table",
    "BUCKET_NAME": "bucket",
    "NOTIFICATION_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/queue",
    "RECEIPT_TOKEN_KEY_ID": "key",
    "VALIDATION_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/validation",
    "VALIDATION_DEAD_LETTER_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/validation-dlq",
    "ARCHIVE_DEAD_LETTER_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/archive-dlq",
    "IDEMPOTENCY_TABLE_NAME": "idempotency",
}


def measure(handler: Path | None, runs: int) -> list[float]:
    """Import times in ms of ``handler`` (or of bare boto3 when ``None``) in ``runs`` fresh processes."""
    environment = {**os.environ, **_ENVIRONMENT}
    samples = []
    probe = [_BASELINE] if handler is None else [_PROBE, str(handler)]
    for _ in range(runs):
        output = subprocess.run(  # noqa: S603 - runs this interpreter on the project's own file
            [sys.executable, "-c", *probe],
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        )
        samples.append(float(output.stdout.strip().splitlines()[-1]))
    return samples


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cfp coldstart", description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per function (default 7)")
    parser.add_argument("--functions", type=Path, default=Path(__file__).resolve().parents[2] / "functions")
    args = parser.parse_args(argv)
    handlers = sorted(args.functions.glob("*/app.py"))
    # Interleaved rounds, so a busy moment of the machine weighs on every row alike.
    samples: dict[str, list[float]] = {"import boto3": []}
    samples.update({handler.parent.name: [] for handler in handlers})
    for _ in range(args.runs):
        samples["import boto3"] += measure(None, 1)
        for handler in handlers:
            samples[handler.parent.name] += measure(handler, 1)
    baseline = statistics.median(samples["import boto3"])
    print(f"{'import':<12} {'median ms':>10} {'max ms':>8} {'x boto3':>8} {'target':>8}")
    held = True
    for name, times in samples.items():
        ratio = statistics.median(times) / baseline
        target = TARGETS.get(name)
        mark = "" if target is None else f"<= {target:.1f}x" + ("" if ratio <= target else " MISSED")
        held = held and (target is None or ratio <= target)
        print(f"{name:<12} {statistics.median(times):>10.0f} {max(times):>8.0f} {ratio:>7.2f}x {mark:>8}")
    return 0 if held else 1
