"""Hostile and broken input: every file gets a verdict, none raises or hangs."""

from __future__ import annotations

import pytest

from cfp.formatcheck import Budget, FormatSpec, check_pdf
from cfp_tools import pdfs
from cfp_tools.pdfs import make_abstract

SPEC = FormatSpec(max_body_pages=2)


def problem_codes(data: bytes, spec: FormatSpec = SPEC) -> list[str]:
    return [problem.code for problem in check_pdf(data, spec).problems]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"<html>not a pdf</html>", "not_pdf"),
        (b"x" * 2000 + make_abstract(1), "not_pdf"),
        (b"%PDF-1.7\n", "unreadable"),
        (make_abstract(1)[:400], "unreadable"),
        (b"%PDF-1.4\n" + bytes(range(256)) * 40, "unreadable"),
    ],
    ids=["empty", "html", "header-too-late", "header-only", "truncated", "garbage"],
)
def test_rejections(data: bytes, code: str) -> None:
    verdict = check_pdf(data, SPEC)
    assert verdict.outcome == "fail"
    assert [problem.code for problem in verdict.problems] == [code]


def test_header_after_some_junk_is_accepted() -> None:
    assert check_pdf(b"\n" * 500 + make_abstract(1), SPEC).outcome == "pass"


def test_a_file_over_the_budget_is_not_parsed_and_judged_too_large() -> None:
    verdict = check_pdf(make_abstract(1), FormatSpec(max_bytes=1000), Budget(max_bytes=1000))
    assert [problem.code for problem in verdict.problems] == ["too_large"]
    assert verdict.facts.pages is None


def test_facts_measured_under_one_rule_are_judged_again_under_another() -> None:
    """Measuring knows no rule: the same facts fail a 1-page limit and pass a 2-page one."""
    from cfp.formatcheck import judge

    facts = check_pdf(make_abstract(2), FormatSpec(max_body_pages=1)).facts
    assert judge(facts, FormatSpec(max_body_pages=1)).outcome == "fail"
    assert judge(facts, FormatSpec(max_body_pages=2)).outcome == "pass"
    assert judge(facts, FormatSpec(max_body_pages=2, max_bytes=1000)).problems[0].code == "too_large"


def test_password_protected_fails() -> None:
    verdict = check_pdf(pdfs.encrypted(), SPEC)
    assert [problem.code for problem in verdict.problems] == ["encrypted"]
    assert verdict.facts.needs_password


def test_owner_password_only_opens() -> None:
    verdict = check_pdf(pdfs.encrypted(user_password=""), SPEC)
    assert verdict.outcome == "pass"
    assert verdict.facts.encrypted and not verdict.facts.needs_password


def test_a_file_longer_than_the_budget_is_counted_not_read() -> None:
    verdict = check_pdf(pdfs.many_pages(60), SPEC)  # the budget reads the text of 50 pages at most
    assert [problem.code for problem in verdict.problems] == ["too_many_pages"]
    assert verdict.pages == 60
    assert not verdict.facts.text_checked


def test_damaged_pages_that_show_nothing_fail_as_empty() -> None:
    verdict = check_pdf(pdfs.emptied_pages(), SPEC)
    assert verdict.outcome == "fail"
    assert "no_content" in [problem.code for problem in verdict.problems]


def test_active_content_warns() -> None:
    verdict = check_pdf(pdfs.with_javascript(), SPEC)
    assert verdict.outcome == "warn"
    assert [problem.code for problem in verdict.problems] == ["active_content"]
    assert verdict.facts.active_content == ["JavaScript", "embedded files"]


@pytest.mark.parametrize("data", [pdfs.broken_xref(), pdfs.miscounted_page_tree()], ids=["xref", "count"])
def test_repaired_structure_is_reported(data: bytes) -> None:
    verdict = check_pdf(data, SPEC)
    assert verdict.outcome == "warn"
    assert [problem.code for problem in verdict.problems] == ["damaged_structure"]
    assert verdict.pages == 2


def test_wall_clock_limit_is_a_verdict() -> None:
    verdict = check_pdf(make_abstract(2), FormatSpec(), Budget(wall_seconds=0.001))
    assert [problem.code for problem in verdict.problems] == ["resource_limit"]
    assert verdict.facts.resource_limit == "wall"


def test_memory_limit_is_a_verdict() -> None:
    verdict = check_pdf(pdfs.decompression_bomb(256), FormatSpec(max_bytes=50_000_000), Budget(memory_mb=160))
    assert [problem.code for problem in verdict.problems] == ["resource_limit"]
    assert verdict.facts.resource_limit == "memory"
