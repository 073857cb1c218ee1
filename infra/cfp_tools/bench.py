"""Benchmark of the format checker: `cfp bench [DIR]`.

With a folder, every PDF in it is checked (`--repeat` times) and each file's median and p95 time,
the isolated child's peak memory, the verdict, the body pages and where the references start are
printed, so the page counts can be checked by eye against the documents. Without one, generated 1-4 page
abstracts (`cfp_tools.pdfs`) are checked. Both end with the overall median, p95
and peak memory and a count of verdicts by outcome and by problem code.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from cfp.formatcheck import FormatSpec, judge, warm_up
from cfp.formatcheck.check import measure_with_usage
from cfp_tools.pdfs import make_abstract


@dataclass
class Run:
    name: str
    times_ms: list[float]
    peak_mb: float
    outcome: str
    codes: list[str]
    pages: str = ""


def main(argv: list[str]) -> int:
    """Run the benchmark; returns 0, or 1 when a file raised (which the checker must never do)."""
    parser = argparse.ArgumentParser(prog="cfp bench", description="Time the PDF format checker.")
    parser.add_argument("folder", nargs="?", type=Path, help="folder of PDFs (default: generated abstracts)")
    parser.add_argument("--count", type=int, default=200, help="generated abstracts (default 200)")
    parser.add_argument("--repeat", type=int, default=3, help="checks per file of a folder (default 3)")
    parser.add_argument("--max-body-pages", type=int, default=2)
    parser.add_argument("--quiet", action="store_true", help="only the summary")
    args = parser.parse_args(argv)
    spec = FormatSpec(max_body_pages=args.max_body_pages)
    warm_up()
    if args.folder is not None:
        files = sorted(path for path in args.folder.iterdir() if path.suffix.lower() == ".pdf")
        inputs = [(path.name, path.read_bytes()) for path in files]
        repeat = args.repeat
    else:
        inputs = list(generated_abstracts(args.count))
        repeat = 1
    runs: list[Run] = []
    failures = 0
    for name, data in inputs:
        try:
            run = _check(name, data, spec, repeat)
        except Exception as exc:
            failures += 1
            print(f"{name}: raised {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        runs.append(run)
        if not args.quiet:
            print(_row(run, per_file=repeat > 1))
    _summary(runs)
    return 1 if failures else 0


def _check(name: str, data: bytes, spec: FormatSpec, repeat: int) -> Run:
    times: list[float] = []
    peak = 0.0
    verdict = None
    for _ in range(repeat):
        facts, usage = measure_with_usage(data)
        verdict = judge(facts, spec)
        times.append(usage.elapsed_s * 1000)
        peak = max(peak, usage.max_rss_mb)
    assert verdict is not None
    pages = ""
    if verdict.body_pages is not None:
        found = verdict.facts.references
        start = f"refs p{found.page} {found.heading[:24]!r}" if found else "no refs"
        pages = f"body {verdict.body_pages}/{verdict.pages}, {start}"
    codes = [problem.code for problem in verdict.problems]
    return Run(name, times, peak, verdict.outcome, codes, pages)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _row(run: Run, per_file: bool) -> str:
    timing = (
        f"median {statistics.median(run.times_ms):7.1f} ms  p95 {_p95(run.times_ms):7.1f} ms"
        if per_file
        else f"{run.times_ms[0]:7.1f} ms"
    )
    codes = ",".join(run.codes)
    pages = f"  [{run.pages}]" if run.pages else ""
    return f"{run.name:44.44} {timing}  {run.peak_mb:6.0f} MB  {run.outcome:4}  {codes}{pages}"


def _summary(runs: list[Run]) -> None:
    if not runs:
        print("no files checked")
        return
    medians = [statistics.median(run.times_ms) for run in runs]
    every = [time for run in runs for time in run.times_ms]
    print()
    print(f"files {len(runs)}  checks {len(every)}")
    median, p95 = statistics.median(medians), _p95(medians)
    print(f"per file: median {median:.1f} ms  p95 {p95:.1f} ms  max {max(every):.1f} ms")
    print(f"peak memory of a check: {max(run.peak_mb for run in runs):.0f} MB")
    outcomes = Counter(run.outcome for run in runs)
    print("outcomes: " + "  ".join(f"{key} {value}" for key, value in sorted(outcomes.items())))
    codes = Counter(code for run in runs for code in run.codes)
    print("problems: " + ("  ".join(f"{key} {value}" for key, value in sorted(codes.items())) or "none"))


def generated_abstracts(count: int, seed: int = 1) -> list[tuple[str, bytes]]:
    """`count` abstracts of 1-4 pages: 1-3 body pages in one or two columns, then references."""
    rng = random.Random(seed)  # noqa: S311 - reproducible sample documents, not secrets
    made: list[tuple[str, bytes]] = []
    for index in range(count):
        columns = rng.choice((1, 2))
        body = rng.choice((1, 1, 2, 2, 3))
        references = rng.choice((0, 1)) if body < 4 else 0
        name = f"generated-{index:03d}-{body}body-{references}ref-{columns}col.pdf"
        made.append((name, make_abstract(body, references, columns, seed=index)))
    return made


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
