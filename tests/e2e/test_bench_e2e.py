"""The end-to-end benchmark runs on a small scale: five submissions through a cfp local it starts."""

from __future__ import annotations

import pytest

from cfp_tools import bench_e2e

pytestmark = pytest.mark.slow


def test_bench_e2e_judges_every_submission(capsys: pytest.CaptureFixture[str]) -> None:
    # The exit status says whether the wall-time target held, which depends on the machine; not asserted.
    bench_e2e.main(["-n", "5", "--clients", "5", "--poll", "0.25", "--no-mail"])
    out = capsys.readouterr().out
    assert "submissions      5/5 with a verdict" in out, out
    assert "API latency by decile" in out and "p95 growth" in out
    # Where the CPU went, by function per invocation and by part of the stack, and in all per submission.
    cpu = out[out.index("CPU by part of the stack") :]
    for part in ("ApiFunction", "ValidatorFunction", "moto dynamodb", "S3 front", "API front"):
        assert f"\n  {part} " in cpu, cpu
    assert "CPU per submission" in cpu
