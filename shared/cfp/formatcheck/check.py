"""The entry points: cheap checks in the caller, everything that parses the PDF in an isolated child."""

from __future__ import annotations

from cfp.formatcheck.isolation import Limits, run_isolated
from cfp.formatcheck.judge import judge
from cfp.formatcheck.models import Facts, FormatSpec, Verdict

HEADER_WINDOW = 1024


def precheck(data: bytes, spec: FormatSpec) -> Facts:
    """Facts that need no parser: size and the `%PDF-` header within the first 1024 bytes."""
    offset = data.find(b"%PDF-", 0, HEADER_WINDOW + len(b"%PDF-"))
    return Facts(bytes=len(data), header_offset=offset if offset >= 0 else None)


def warm_up() -> None:
    """Load the PDF libraries in this process so every check forks a warm child (call at cold start)."""
    from cfp.formatcheck.extract import warm_up as load

    load()


def measure(data: bytes, spec: FormatSpec) -> Facts:
    """Measure a file in an isolated child; never raises for any input."""
    facts = precheck(data, spec)
    if facts.bytes == 0 or facts.bytes > spec.max_bytes or facts.header_offset is None:
        return facts
    warm_up()
    from cfp.formatcheck.extract import measure_in_process

    limits = Limits(cpu_seconds=spec.cpu_seconds, wall_seconds=spec.wall_seconds, memory_mb=spec.memory_mb)
    outcome = run_isolated(lambda: measure_in_process(data, spec, facts).model_dump(mode="json"), limits)
    if outcome.reply is not None:
        try:
            return Facts.model_validate(outcome.reply)
        except ValueError as exc:
            facts.error = f"the checker produced invalid facts: {exc}"[:300]
            return facts
    if outcome.failure in ("cpu", "wall", "memory"):
        facts.resource_limit = outcome.failure
    facts.error = outcome.detail or outcome.failure
    return facts


def check_pdf(data: bytes, spec: FormatSpec) -> Verdict:
    """Measure and judge a submitted file; never raises for any input bytes."""
    return judge(measure(data, spec), spec)
