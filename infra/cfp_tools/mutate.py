"""Mutation testing of the core rules and the local S3 front: ``cfp mutate`` plants small bugs with mutmut,
one at a time, runs only the fast tests that reach each one, and prints the share of bugs the tests catch.

mutmut names a mutant after its file's path (dropping only a leading ``src/``) and puts its mutated copy
first on ``sys.path``; the tests import ``cfp`` and ``cfp_tools``, which live in ``shared/`` and ``infra/``.
So the run works in a tree of its own, ``build/mutation/``, where both packages are copied under ``src/``
and the rest of the project the tests read is linked in. Each run starts from a fresh tree, so the score
it prints is the suite's alone. Survivors and their diffs: ``cd build/mutation && ../../.venv/bin/mutmut
show NAME`` (or ``browse``); ``docs/mutation.md`` lists the ones that cannot be killed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "build" / "mutation"
# Where each package's source lives in the project.
PACKAGES = {"cfp": "shared/cfp", "cfp_tools": "infra/cfp_tools"}
# The modules whose mutants are counted, as paths inside the packages.
MODULES = (
    "cfp/deadline.py",
    "cfp/model.py",
    "cfp/keeper.py",
    "cfp/events.py",
    "cfp/formatcheck/judgement.py",
    "cfp/submissions.py",
    "cfp/validation.py",
    "cfp/notifications.py",
    "cfp_tools/local/s3_front.py",
)
# The fast tests: no end-to-end stack, browser, least-privilege replay or ``cfp local`` process. The S3
# front's tests marked slow are among them: they run the front and moto on threads, a second each.
FAST_TESTS = ("tests/unit", "tests/handlers", "tests/infra/test_s3_front.py")
# Project files the tests read, found through ``tests.support.aws.ROOT`` (the copied tests' parent).
LINKED = ("tests", "functions", "events", "shared", "openapi.json", "template.yaml")
# mutmut's exit codes of a mutant's test run, by outcome. A mutant that makes its tests run out of time
# is caught (the run fails); no tests and anything else count against the score.
KILLED = {1, 3}
TIMED_OUT = {24, -24, 36, 152, 255}
SURVIVED = {0}
NO_TESTS = {5, 33}
TARGET = 85.0
# Log lines are not mutated: they state no rule, and a test pinning their wording would guard nothing.
NOT_MUTATED = (r"\blogger\.(debug|info|warning|error|exception)\(", r"\bextra=\{")


@dataclass
class Tally:
    """Outcomes of one module's mutants."""

    killed: int = 0
    timed_out: int = 0
    survived: list[str] = field(default_factory=list)
    no_tests: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.killed + self.timed_out + len(self.survived) + len(self.no_tests) + len(self.other)

    @property
    def score(self) -> float:
        return 100.0 * (self.killed + self.timed_out) / self.total if self.total else 100.0

    def add(self, name: str, exit_code: int | None) -> None:
        if exit_code in KILLED:
            self.killed += 1
        elif exit_code in TIMED_OUT:
            self.timed_out += 1
        elif exit_code in SURVIVED:
            self.survived.append(name)
        elif exit_code in NO_TESTS:
            self.no_tests.append(name)
        else:
            self.other.append(name)


def module_name(module: str) -> str:
    """``cfp/formatcheck/judgement.py`` as mutmut names it: ``cfp.formatcheck.judgement``."""
    return module.removesuffix(".py").replace("/", ".")


def mutmut_config(modules: Sequence[str]) -> str:
    """The ``[tool.mutmut]`` table of the work tree (TOML arrays of plain strings are JSON arrays)."""
    settings = {
        "source_paths": ["src"],
        "only_mutate": [f"src/{module}" for module in modules],
        "also_copy": [name for name in LINKED if name != "tests"],
        "do_not_mutate_patterns": list(NOT_MUTATED),
        "pytest_add_cli_args": ["-p", "no:cacheprovider"],
        "pytest_add_cli_args_test_selection": list(FAST_TESTS),
    }
    lines = [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    return "\n[tool.mutmut]\n" + "\n".join(lines) + "\n"


def prepare(work: Path, modules: Sequence[str]) -> None:
    """A fresh work tree: the packages copied under ``src/``, the project's other files linked."""
    shutil.rmtree(work, ignore_errors=True)
    for package, source in PACKAGES.items():
        shutil.copytree(
            ROOT / source, work / "src" / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    for name in LINKED:
        (work / name).symlink_to(ROOT / name)
    pyproject = (ROOT / "pyproject.toml").read_text()
    (work / "pyproject.toml").write_text(pyproject + mutmut_config(modules))


def tally(work: Path, modules: Sequence[str]) -> dict[str, Tally]:
    """Each module's outcomes, read from the results mutmut keeps next to each mutated file."""
    tallies: dict[str, Tally] = {}
    for module in modules:
        meta = json.loads((work / "mutants" / "src" / f"{module}.meta").read_text())
        counted = tallies[module] = Tally()
        for name, exit_code in sorted(meta["exit_code_by_key"].items()):
            counted.add(name, exit_code)
    return tallies


def _row(label: str, counted: Tally) -> str:
    return (
        f"{label:<30} {counted.total:>7} {counted.killed:>6} {counted.timed_out:>7} "
        f"{len(counted.survived):>8} {len(counted.no_tests):>8} {counted.score:>6.1f}%"
    )


def report(tallies: dict[str, Tally], seconds: float) -> float:
    """Print the score table and the names of the mutants not caught; the overall score."""
    overall = Tally()
    print(
        f"\n{'module':<30} {'mutants':>7} {'killed':>6} {'timeout':>7} {'survived':>8} {'no tests':>8}  score"
    )
    for module, counted in tallies.items():
        print(_row(module, counted))
        overall.killed += counted.killed
        overall.timed_out += counted.timed_out
        overall.survived += counted.survived
        overall.no_tests += counted.no_tests
        overall.other += counted.other
    print(_row("all", overall))
    for label, names in (
        ("survived", overall.survived),
        ("no tests", overall.no_tests),
        ("other", overall.other),
    ):
        for name in names:
            print(f"  {label}: {name}")
    print(f"{overall.total} mutants tested in {seconds / 60:.1f} min")
    return overall.score


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cfp mutate", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "modules",
        nargs="*",
        metavar="MODULE",
        help="only these modules' mutants, as paths inside the packages (e.g. cfp/deadline.py); default all",
    )
    parser.add_argument("--workers", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument(
        "--fail-under", type=float, default=TARGET, help=f"exit 1 below this score (default {TARGET:g}%%)"
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.modules) - set(MODULES))
    if unknown:
        parser.error(f"not a mutated module: {', '.join(unknown)} (one of {', '.join(MODULES)})")
    modules = args.modules or list(MODULES)
    prepare(WORK, modules)
    names = [f"{module_name(module)}.*" for module in args.modules]
    started = time.monotonic()
    run = subprocess.run(  # noqa: S603 - mutmut from this interpreter, with fixed arguments
        [sys.executable, "-m", "mutmut", "run", "--max-children", str(args.workers), *names],
        cwd=WORK,
        check=False,
    )
    if run.returncode != 0:
        print(f"cfp mutate: mutmut stopped with exit code {run.returncode}", file=sys.stderr)
        return run.returncode
    score = report(tally(WORK, modules), time.monotonic() - started)
    return 0 if score >= args.fail_under else 1


if __name__ == "__main__":
    sys.exit(main())
