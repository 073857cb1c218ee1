"""The entry points: cheap checks in the caller, everything that parses the PDF in an isolated child."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

from cfp.formatcheck.isolation import Limits, run_isolated
from cfp.formatcheck.judgement import judge
from cfp.formatcheck.models import MEASURER_VERSION, Budget, Facts, FormatSpec, PosterSpec, Verdict

HEADER_WINDOW = 1024


def precheck(data: bytes) -> Facts:
    """Facts that need no parser: size and the `%PDF-` header within the first 1024 bytes."""
    offset = data.find(b"%PDF-", 0, HEADER_WINDOW + len(b"%PDF-"))
    return Facts(bytes=len(data), header_offset=offset if offset >= 0 else None)


def warm_up() -> None:
    """Load the PDF libraries in this process so every check forks a warm child (call at cold start)."""
    from cfp.formatcheck.extract import warm_up as load

    with contextlib.suppress(Exception):  # a cold child still works, only slower
        load()


@dataclass(frozen=True)
class Usage:
    """What one check cost: wall time and the child's peak resident memory (zero if no child ran)."""

    elapsed_s: float
    max_rss_mb: float


def measure(data: bytes, budget: Budget | None = None) -> Facts:
    """Measure a file in an isolated child within `budget`; never raises for any input. The rules play no
    part, so the facts can be judged under any spec, now or later."""
    return measure_with_usage(data, budget)[0]


def measure_with_usage(data: bytes, budget: Budget | None = None) -> tuple[Facts, Usage]:
    """`measure`, also returning what the check cost (for benchmarks and logs); the facts are stamped with
    the measurer's version whichever way measuring ended."""
    facts, usage = _measure(data, budget or Budget())
    return facts.model_copy(update={"measurer": MEASURER_VERSION}), usage


def _measure(data: bytes, budget: Budget, poster: bool = False) -> tuple[Facts, Usage]:
    started = time.monotonic()
    facts = precheck(data)
    if facts.bytes == 0 or facts.bytes > budget.max_bytes or facts.header_offset is None:
        return facts, Usage(time.monotonic() - started, 0.0)
    warm_up()
    if poster:
        from cfp.formatcheck.poster_extract import measure_poster_in_process as measure_in_process
    else:
        from cfp.formatcheck.extract import measure_in_process

    limits = Limits(
        cpu_seconds=budget.cpu_seconds, wall_seconds=budget.wall_seconds, memory_mb=budget.memory_mb
    )
    outcome = run_isolated(lambda: measure_in_process(data, budget, facts).model_dump(mode="json"), limits)
    usage = Usage(time.monotonic() - started, outcome.max_rss_mb)
    if outcome.reply is not None:
        try:
            return Facts.model_validate(outcome.reply), usage
        except ValueError as exc:
            facts.error = f"the checker produced invalid facts: {exc}"[:300]
            return facts, usage
    if outcome.failure in ("cpu", "wall", "memory"):
        facts.resource_limit = outcome.failure
        facts.budget = budget.describe()
    facts.error = outcome.detail or outcome.failure
    return facts, usage


def check_pdf(data: bytes, spec: FormatSpec, budget: Budget | None = None) -> Verdict:
    """Measure and judge a submitted file; never raises for any input bytes."""
    return judge(measure(data, budget), spec)


def measure_poster(data: bytes, budget: Budget | None = None) -> tuple[Facts, Usage]:
    """A poster's facts (shape, fonts, images of its first page), measured in the same isolation and
    within the same budget as an abstract's; never raises for any input."""
    facts, usage = _measure(data, budget or Budget(), poster=True)
    return facts.model_copy(update={"measurer": MEASURER_VERSION}), usage


def check_poster(data: bytes, spec: PosterSpec, budget: Budget | None = None) -> Verdict:
    """Measure and judge a poster; never raises for any input bytes."""
    from cfp.formatcheck.poster import judge_poster

    return judge_poster(measure_poster(data, budget)[0], spec)
