"""``cfp demo`` against a real ``cfp local``, moving its clock past the deadline so the late upload plays
too."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cfp_tools import demo
from tests.support.running import RunningStack

pytestmark = pytest.mark.slow


def test_the_demo_seeds_every_story_and_prints_where_to_look(tmp_path: Path) -> None:
    deadline = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    stack = RunningStack(tmp_path, "--deadline", deadline.strftime("%Y-%m-%dT%H:%M:%SZ"))
    out = io.StringIO()
    try:
        assert demo.run(stack.api, out, late_within=0, move_clock=True) == 0, stack.output()[-4000:]
    finally:
        assert stack.stop() == 0
    report = out.getvalue()
    rows = {
        match.group(1): match.group(0)
        for match in re.finditer(r"^(good|too long|scan|not a PDF|revision|withdrawn|late) .*$", report, re.M)
    }
    assert set(rows) == {"good", "too long", "scan", "not a PDF", "revision", "withdrawn", "late"}
    table = [line for line in report.splitlines() if re.match(r"^[a-z]", line) and "  " in line]
    assert len(table) == 21, report
    assert sum(" pass " in line for line in table) == 13
    assert re.search(r"too long .* fail .* 3 .*too_many_body_pages", report)
    assert re.search(r"scan .* warn .*image_only_pages", report)
    assert re.search(r"not a PDF .* fail .*not_pdf", report)
    assert re.search(r"revision .* pass .*v1, v2 ", report)
    assert re.search(r"withdrawn .* withdrawn ", report)
    assert re.search(r"late .* late .*v1 late", report)
    assert f"The authors' page: {stack.api}/" in report
    assert re.search(rf"manage link \(too long\): {re.escape(stack.api)}/#id=\w+&token=\S+", report)
    assert "outbox/" in report
    assert "moving the stack's clock past the deadline" in report


def test_the_demo_says_when_no_stack_answers() -> None:
    out = io.StringIO()
    assert demo.run("http://127.0.0.1:9", out, late_within=0) == 1
    assert "no cfp local at http://127.0.0.1:9" in out.getvalue()
