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
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

_PROBE = """
import importlib.util, sys, time
start, cpu = time.perf_counter(), time.process_time()
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print((time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000)
"""

_BASELINE = """
import sys, time
start, cpu = time.perf_counter(), time.process_time()
import boto3
print((time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000)
"""

# The most each function's import may cost, as a multiple of the bare boto3 import: the API (which carries the
# resolver and every answer model) 2x, every other function 1.5x.
TARGETS = {"api": 2.0}
DEFAULT_TARGET = 1.5

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
    "CONFIGURATION_SET": "mail",
}


_ARTIFACT_PROBE = """
import importlib, json, sys, time
sys.path[:0] = json.loads(sys.argv[1])
start, cpu = time.perf_counter(), time.process_time()
importlib.import_module(sys.argv[2])
print((time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000)
"""


def _sample(command: list[str], environment: dict[str, str]) -> tuple[float, float]:
    """One import's wall-clock and CPU time in ms."""
    output = subprocess.run(  # noqa: S603 - runs an interpreter on the project's own code
        command, env=environment, capture_output=True, text=True, check=True
    )
    wall, cpu = output.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def _run(command: list[str], environment: dict[str, str]) -> float:
    return _sample(command, environment)[0]


def measure(handler: Path | None, runs: int) -> list[float]:
    """Import times in ms of ``handler`` (or of bare boto3 when ``None``) in ``runs`` fresh processes."""
    environment = {**os.environ, **_ENVIRONMENT}
    probe = [_BASELINE] if handler is None else [_PROBE, str(handler)]
    return [_run([sys.executable, "-c", *probe], environment) for _ in range(runs)]


def _dev_probes(functions: Path) -> dict[str, list[str]]:
    """Each function's import from the source tree in this venv (which holds bytecode for everything)."""
    probes = {"import boto3": [sys.executable, "-c", _BASELINE]}
    for handler in sorted(functions.glob("*/app.py")):
        probes[handler.parent.name] = [sys.executable, "-c", _PROBE, str(handler)]
    return probes


def _artifact_probes(build_dir: Path, runtime: Path, python312: str) -> dict[str, list[str]]:
    """Each handler's import from the built package, as Lambda imports it: a fresh ``python3.12 -I -S`` with
    only the function, the layer and the runtime's boto3 on ``sys.path``; boto3 alone from the same place."""
    from cfp_tools.template import Template, default_template_path

    template = Template(default_template_path())
    layer = build_dir / "SharedLayer" / "python"
    if not layer.is_dir() or not runtime.is_dir():
        raise SystemExit(f"cfp coldstart: no built artifact in {build_dir}; run cfp buildcheck first")

    def command(paths: list[Path], module: str) -> list[str]:
        return [python312, "-I", "-S", "-c", _ARTIFACT_PROBE, json.dumps([str(p) for p in paths]), module]

    probes = {"import boto3": command([runtime], "boto3")}
    for logical_id, resource in sorted(template.resources_of_type("AWS::Serverless::Function")):
        name = Path(str(resource["Properties"]["CodeUri"])).name
        module = str(template.properties(logical_id)["Handler"]).rpartition(".")[0]
        probes[name] = command([build_dir / logical_id, layer, runtime], module)
    return probes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cfp coldstart", description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per function (default 7)")
    parser.add_argument("--functions", type=Path, default=Path(__file__).resolve().parents[2] / "functions")
    parser.add_argument(
        "--artifact",
        nargs="?",
        type=Path,
        const=Path("default"),
        help="time the package cfp buildcheck built (default: its build for this machine), not the venv",
    )
    parser.add_argument(
        "--python312", help="the Python 3.12 for --artifact (default: found as buildcheck does)"
    )
    parser.add_argument(
        "--runtime", type=Path, help="the runtime's boto3 for --artifact (default: buildcheck's)"
    )
    args = parser.parse_args(argv)
    environment = {**os.environ, **_ENVIRONMENT}
    if args.artifact is None:
        probes = _dev_probes(args.functions)
    else:
        from cfp_tools import buildcheck

        check = buildcheck.ROOT / ".aws-sam" / "check"
        build_dir = (
            check / (buildcheck.host_platform() or "arm64")
            if args.artifact.name == "default"
            else args.artifact
        )
        python312 = buildcheck.find_python312(args.python312)
        if python312 is None:
            raise SystemExit("cfp coldstart: no Python 3.12 runs here; pass --python312")
        probes = _artifact_probes(build_dir, args.runtime or check / "runtime", python312)
        environment = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", **_ENVIRONMENT}
    # Interleaved rounds, so a busy moment of the machine weighs on every row alike. The CPU time of each
    # import is shown beside it: on a shared, loaded machine the wall clock also counts the time a process
    # waits for a core, while the CPU time counts the import's own work, which is what the code controls.
    samples: dict[str, list[float]] = {name: [] for name in probes}
    cpu: dict[str, list[float]] = {name: [] for name in probes}
    for _ in range(args.runs):
        for name, command in probes.items():
            wall, used = _sample(command, environment)
            samples[name].append(wall)
            cpu[name].append(used)
    baseline = statistics.median(samples["import boto3"])
    cpu_baseline = statistics.median(cpu["import boto3"])
    print(f"{'import':<12} {'median ms':>10} {'max ms':>8} {'x boto3':>8} {'CPU x':>7} {'target':>8}")
    held = True
    for name, times in samples.items():
        ratio = statistics.median(times) / baseline
        cpu_ratio = statistics.median(cpu[name]) / cpu_baseline if cpu_baseline else 0.0
        target = None if name == "import boto3" else TARGETS.get(name, DEFAULT_TARGET)
        mark = "" if target is None else f"<= {target:.1f}x" + ("" if ratio <= target else " MISSED")
        held = held and (target is None or ratio <= target)
        print(
            f"{name:<12} {statistics.median(times):>10.0f} {max(times):>8.0f} {ratio:>7.2f}x"
            f" {cpu_ratio:>6.2f}x {mark:>8}"
        )
    return 0 if held else 1
