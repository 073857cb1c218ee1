"""Judging stored facts: body page counting, limits, severities from the spec."""

from __future__ import annotations

import pytest

from cfp.formatcheck import DEFAULT_SEVERITIES, Facts, FormatSpec, Heading, Margins, Paper, judge


def facts(**changes: object) -> Facts:
    base = Facts(
        bytes=1000,
        header_offset=0,
        opened=True,
        pages=3,
        text_checked=True,
        paper=Paper(width_pt=612, height_pt=792, name="letter", pages=[1, 2, 3]),
        page_sizes=[Paper(width_pt=612, height_pt=792, name="letter", pages=[1, 2, 3])],
        body_font_pt=10.0,
        columns=1,
        margins_pt=Margins(left=72, right=72, top=72, bottom=72),
        references=Heading(page=3, heading="References", body_above=False),
    )
    return base.model_copy(update=changes)


SPEC = FormatSpec(max_body_pages=2)


def test_clean_facts_pass() -> None:
    verdict = judge(facts(), SPEC)
    assert (verdict.outcome, verdict.body_pages, verdict.problems) == ("pass", 2, [])


def test_body_above_heading_counts_the_page() -> None:
    verdict = judge(facts(references=Heading(page=3, heading="References", body_above=True)), SPEC)
    assert verdict.body_pages == 3
    assert verdict.outcome == "fail"
    assert verdict.problems[0].message.startswith("3 pages before the references; the limit is 2.")


def test_missing_heading_counts_every_page() -> None:
    verdict = judge(facts(references=None), SPEC)
    assert [p.code for p in verdict.problems] == ["references_not_found", "too_many_body_pages"]
    assert verdict.body_pages == 3


def test_appendices_count_when_configured() -> None:
    appendix = Heading(page=4, heading="Appendix", body_above=False)
    stored = facts(pages=4, appendix=appendix)
    assert judge(stored, SPEC).body_pages == 2
    assert judge(stored, FormatSpec(max_body_pages=2, appendices_count=True)).body_pages == 3


def test_nothing_on_any_page_fails_alone() -> None:
    verdict = judge(facts(pages=3, references=None, blank_pages=[1, 2, 3]), SPEC)
    assert (verdict.outcome, verdict.body_pages) == ("fail", None)
    (problem,) = verdict.problems
    assert (problem.code, problem.severity, problem.measured) == ("no_content", "fail", 3)
    assert problem.message == (
        "No page of this PDF has any text or images: it looks empty or damaged. Upload the abstract itself."
    )


def test_a_scan_without_text_still_only_warns() -> None:
    verdict = judge(facts(pages=2, references=None, image_only_pages=[1], blank_pages=[2]), SPEC)
    assert [p.code for p in verdict.problems] == ["image_only_pages"]


def test_blank_pages_beside_text_are_no_problem() -> None:
    assert judge(facts(blank_pages=[2]), SPEC).problems == []


def test_no_content_follows_the_spec_severity() -> None:
    spec = FormatSpec(max_body_pages=2, severities={"no_content": "warn"})
    verdict = judge(facts(pages=1, references=None, blank_pages=[1]), spec)
    assert (verdict.outcome, [p.code for p in verdict.problems]) == ("warn", ["no_content"])


def test_image_only_pages_count_as_body_and_warn() -> None:
    verdict = judge(facts(pages=4, image_only_pages=[4]), FormatSpec(max_body_pages=3))
    assert verdict.body_pages == 3
    assert [p.code for p in verdict.problems] == ["image_only_pages"]
    assert verdict.outcome == "warn"


def test_small_font_warns_with_tolerance() -> None:
    assert judge(facts(body_font_pt=8.97), SPEC).outcome == "pass"
    verdict = judge(facts(body_font_pt=8.0), SPEC)
    assert [(p.code, p.measured, p.limit) for p in verdict.problems] == [("font_too_small", 8.0, 9.0)]


def test_paper_size_outside_tolerance_warns() -> None:
    a3 = Paper(width_pt=841.89, height_pt=1190.55, name="A3", pages=[2])
    verdict = judge(facts(page_sizes=[*facts().page_sizes, a3]), SPEC)
    assert [p.code for p in verdict.problems] == ["paper_size"]
    assert "Page 2" in verdict.problems[0].message
    assert judge(facts(page_sizes=[a3]), FormatSpec(allowed_papers=("A3",))).outcome == "pass"


def test_optional_limits() -> None:
    spec = FormatSpec(max_body_pages=2, min_margin_pt=54, max_columns=1)
    verdict = judge(facts(columns=2, margins_pt=Margins(left=36, right=72, top=72, bottom=72)), spec)
    assert sorted(p.code for p in verdict.problems) == ["margins_too_small", "too_many_columns"]


def test_severity_mapping_overrides_defaults() -> None:
    stored = facts(references=Heading(page=3, heading="References", body_above=True))
    relaxed = FormatSpec(max_body_pages=2, severities={"too_many_body_pages": "warn"})
    assert judge(stored, relaxed).outcome == "warn"
    ignored = FormatSpec(max_body_pages=2, severities={"too_many_body_pages": "ignore"})
    assert judge(stored, ignored).outcome == "pass"


def test_unknown_severity_code_rejected() -> None:
    with pytest.raises(ValueError, match="unknown problem codes"):
        FormatSpec(severities={"no_such_code": "warn"})


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"bytes": 0}, "empty"),
        ({"bytes": 20_000_000}, "too_large"),
        ({"header_offset": None}, "not_pdf"),
        ({"resource_limit": "cpu", "error": "more than 10 s of CPU time"}, "resource_limit"),
        ({"needs_password": True, "encrypted": True}, "encrypted"),
        ({"error": "the PDF has no pages"}, "unreadable"),
        ({"pages": 25, "text_checked": False}, "too_many_pages"),
    ],
)
def test_rejections_fail_by_default(changes: dict[str, object], code: str) -> None:
    verdict = judge(facts(**changes), SPEC)
    assert verdict.outcome == "fail"
    assert code in [p.code for p in verdict.problems]
    assert DEFAULT_SEVERITIES[code] == "fail"


def test_verdict_json_shape() -> None:
    dumped = judge(facts(), SPEC).model_dump(mode="json")
    assert set(dumped) == {"outcome", "pages", "body_pages", "problems", "facts"}
    assert {"paper", "body_font_pt", "columns", "margins_pt", "references"} <= set(dumped["facts"])
