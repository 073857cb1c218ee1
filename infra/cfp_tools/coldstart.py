"""Cold-start benchmark: how long each function's module takes to import in a fresh interpreter.

Import time is the part of a Lambda cold start that the code controls (the runtime's own start is the same
for every function). Each sample is a new process that imports the handler module the way the runtime
does, with the template's environment variable names set to placeholders; the figure excludes the
interpreter's own start-up.
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

_ENVIRONMENT = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "CONFERENCE_NAME": "Benchmark",
    "DEADLINE": "2017-08-31T23:59:59-12:00",
    "SENDER_EMAIL": "cfp@example.org",
    "TABLE_NAME": "table",
    "BUCKET_NAME": "bucket",
    "NOTIFICATION_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/queue",
    "IDEMPOTENCY_TABLE_NAME": "idempotency",
}


def measure(handler: Path, runs: int) -> list[float]:
    environment = {**os.environ, **_ENVIRONMENT}
    samples = []
    for _ in range(runs):
        output = subprocess.run(  # noqa: S603 - runs this interpreter on the project's own file
            [sys.executable, "-c", _PROBE, str(handler)],
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
    print(f"{'function':<12} {'median ms':>10} {'max ms':>8}")
    for handler in sorted(args.functions.glob("*/app.py")):
        samples = measure(handler, args.runs)
        print(f"{handler.parent.name:<12} {statistics.median(samples):>10.0f} {max(samples):>8.0f}")
    return 0
