"""The cost model reads the template and prints every service with its price."""

from __future__ import annotations

import pytest

from cfp_tools import cost


def test_the_bill_follows_the_template_and_the_submissions() -> None:
    template = cost.load_template(None)
    usage = cost.Usage(3, 1, 60, 120, 40, 0.5, 200, 3)
    rows, mail = cost.bill(template, 1000, usage)
    double, _ = cost.bill(template, 2000, usage)
    assert {row.service for row in rows} >= {"Lambda compute", "SQS", "DynamoDB writes", "KMS requests"}
    assert sum(r.cost for r in double) == pytest.approx(2 * sum(r.cost for r in rows), rel=0.05)
    assert mail.quantity == 3 * 1000 + 200


def test_cost_prints_the_prices_it_assumed(capsys: pytest.CaptureFixture[str]) -> None:
    cost.main(["-n", "1000"])
    out = capsys.readouterr().out
    assert "per 1,000 submissions" in out and "aws.amazon.com/lambda/pricing" in out


def test_tracing_is_billed_only_when_the_operator_turns_it_on() -> None:
    usage = cost.Usage(3, 1, 60, 120, 40, 0.5, 200, 3)
    default = cost.load_template(None)
    active = cost.load_template(None)
    active.resolver.parameters["Tracing"] = "Active"
    [quiet] = [row for row in cost.bill(default, 1000, usage)[0] if row.service == "X-Ray traces"]
    [traced] = [row for row in cost.bill(active, 1000, usage)[0] if row.service == "X-Ray traces"]
    assert quiet.quantity == 0 and traced.quantity > 1000


def test_the_template_defaults_handle_1000_submissions_under_5_cents_and_keeping_them_is_apart() -> None:
    usage = cost.Usage(3, 1.5, 120, 120, 40, 0.5, 200, 3)
    rows, _ = cost.bill(cost.load_template(None), 1000, usage)
    assert sum(row.cost for row in rows) < cost.TARGET_PER_1000
    assert "S3 storage" not in {row.service for row in rows}
    kept = cost.kept_monthly(1000, usage)
    assert kept.quantity == pytest.approx(1000 * 1.5 * 0.5 / 1024) and kept.unit == "GB-month"
