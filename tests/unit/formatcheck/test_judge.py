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
    assert set(dumped) == {"outcome", "pages", "body_pages", "problems", "facts", "notes"}
    assert {"paper", "body_font_pt", "columns", "margins_pt", "references"} <= set(dumped["facts"])


# What each problem tells the author: code, severity, the whole message, what was measured, the limit.
# 10.057 MB: shown as 10.1 MB only when a MB is 1024 * 1024 bytes.
TEN_MB_AND_A_BIT = 10 * 1024 * 1024 + 60_000
A3 = Paper(width_pt=841.89, height_pt=1190.55, name="A3", pages=[2])
ODD = Paper(width_pt=500, height_pt=700, name=None, pages=[1, 3])


@pytest.mark.parametrize(
    ("changes", "spec", "expected"),
    [
        (
            {"bytes": 0},
            SPEC,
            ("empty", "fail", "The file is empty. Upload the PDF of your abstract.", 0, None),
        ),
        (
            {"bytes": TEN_MB_AND_A_BIT},
            SPEC,
            (
                "too_large",
                "fail",
                "The file is 10.1 MB; the limit is 10.0 MB. "
                "Compress the images or export the PDF with a smaller image resolution.",
                TEN_MB_AND_A_BIT,
                10 * 1024 * 1024,
            ),
        ),
        (
            {"header_offset": None},
            SPEC,
            (
                "not_pdf",
                "fail",
                "The file is not a PDF (it does not start with %PDF-). Export or print your abstract to PDF.",
                None,
                None,
            ),
        ),
        (
            {"resource_limit": "cpu", "error": "more than 10 s of CPU time", "budget": "10 s CPU, 512 MB"},
            SPEC,
            (
                "resource_limit",
                "fail",
                "The PDF could not be checked within the time and memory limits "
                "(more than 10 s of CPU time). Export it again, e.g. with standard fonts and images.",
                "cpu",
                "10 s CPU, 512 MB",
            ),
        ),
        (
            {"resource_limit": "memory", "budget": "512 MB"},
            SPEC,
            (
                "resource_limit",
                "fail",
                "The PDF could not be checked within the time and memory limits (memory). "
                "Export it again, e.g. with standard fonts and images.",
                "memory",
                "512 MB",
            ),
        ),
        (
            {"needs_password": True, "encrypted": True, "error": "password"},
            SPEC,
            (
                "encrypted",
                "fail",
                "The PDF is protected by a password. Upload a copy without a password to open it.",
                None,
                None,
            ),
        ),
        (
            {"error": "the PDF has no pages"},
            SPEC,
            (
                "unreadable",
                "fail",
                "The PDF is damaged and cannot be read (the PDF has no pages). "
                "Export it again from the original.",
                None,
                None,
            ),
        ),
        (
            {"pages": 21, "text_checked": False},
            SPEC,
            (
                "too_many_pages",
                "fail",
                "The file has 21 pages; an abstract may have at most 20. Upload the abstract only.",
                21,
                20,
            ),
        ),
        (
            {"structural_warnings": ["xref table rebuilt"]},
            SPEC,
            (
                "damaged_structure",
                "warn",
                "The PDF is damaged and readers have to repair it (xref table rebuilt). "
                "It may look different elsewhere; export it again from the original.",
                1,
                0,
            ),
        ),
        (
            {"structural_warnings": ["xref table rebuilt", "page count wrong"]},
            SPEC,
            (
                "damaged_structure",
                "warn",
                "The PDF is damaged and readers have to repair it (xref table rebuilt; 2 problems in all). "
                "It may look different elsewhere; export it again from the original.",
                2,
                0,
            ),
        ),
        (
            {"active_content": ["JavaScript", "embedded files"]},
            SPEC,
            (
                "active_content",
                "warn",
                "The PDF contains JavaScript, embedded files. Remove it; an abstract needs none.",
                "JavaScript, embedded files",
                None,
            ),
        ),
        (
            {"image_only_pages": [2]},
            SPEC,
            (
                "image_only_pages",
                "warn",
                "Page 2 has no text layer (scanned or rasterised), so they count as body pages. "
                "Export the PDF from your text source instead.",
                [2],
                None,
            ),
        ),
        (
            {"pages": 12, "references": None, "image_only_pages": list(range(1, 12))},
            FormatSpec(max_body_pages=12),
            (
                "image_only_pages",
                "warn",
                "Pages 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 ... have no text layer (scanned or rasterised), "
                "so they count as body pages. Export the PDF from your text source instead.",
                list(range(1, 12)),
                None,
            ),
        ),
        (
            {"pages": 10, "references": None, "image_only_pages": list(range(1, 11))},
            FormatSpec(max_body_pages=10),
            (
                "image_only_pages",
                "warn",
                "Pages 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 have no text layer (scanned or rasterised), "
                "so they count as body pages. Export the PDF from your text source instead.",
                list(range(1, 11)),
                None,
            ),
        ),
        (
            {"references": None},
            SPEC,
            (
                "references_not_found",
                "warn",
                "No references heading was found, so every page counts as a body page. "
                "Start the references with a heading such as 'References'.",
                None,
                None,
            ),
        ),
        (
            {"references": None},
            SPEC,
            (
                "too_many_body_pages",
                "fail",
                "3 pages in total (no references heading found); the limit is 2. "
                "Move material after the references heading or shorten the text.",
                3,
                2,
            ),
        ),
        (
            {"body_font_pt": 8.5},
            SPEC,
            (
                "font_too_small",
                "warn",
                "The body text is set in 8.5 pt; the minimum is 9 pt. Use a larger font size.",
                8.5,
                9.0,
            ),
        ),
        (
            {"margins_pt": Margins(left=72, right=72, top=72, bottom=36.5)},
            FormatSpec(min_margin_pt=54),
            (
                "margins_too_small",
                "warn",
                "The text comes within 36.5 pt of the page edge; margins must be at least 54 pt. "
                "Widen the margins.",
                36.5,
                54,
            ),
        ),
        (
            {"columns": 3},
            FormatSpec(max_columns=2),
            (
                "too_many_columns",
                "warn",
                "The text is set in 3 columns; at most 2 allowed. Use the required template.",
                3,
                2,
            ),
        ),
        (
            {"page_sizes": [Paper(width_pt=612, height_pt=792, name="letter", pages=[1, 3]), A3]},
            SPEC,
            (
                "paper_size",
                "warn",
                "Page 2 is 841.89 x 1190.55 pt (A3); use letter or A4 paper.",
                "841.89 x 1190.55 pt (A3)",
                ["letter", "A4"],
            ),
        ),
        (
            {"page_sizes": [ODD, A3]},
            SPEC,
            (
                "paper_size",
                "warn",
                "Pages 1, 2, 3 are 500 x 700 pt; use letter or A4 paper.",
                "500 x 700 pt",
                ["letter", "A4"],
            ),
        ),
    ],
    ids=lambda value: value[0] if isinstance(value, tuple) else None,
)
def test_each_problem_says_what_was_measured_the_limit_and_the_fix(
    changes: dict[str, object], spec: FormatSpec, expected: tuple[object, ...]
) -> None:
    [problem] = [p for p in judge(facts(**changes), spec).problems if p.code == expected[0]]
    assert (problem.code, problem.severity, problem.message, problem.measured, problem.limit) == expected


def test_every_limit_holds_at_its_own_value() -> None:
    spec = FormatSpec(max_body_pages=2, max_bytes=1000, min_margin_pt=54, max_columns=2)
    at_the_limits = facts(
        bytes=1000,
        body_font_pt=8.75,
        margins_pt=Margins(left=54, right=54, top=54, bottom=54),
        columns=2,
        page_sizes=[Paper(width_pt=615, height_pt=789, name=None, pages=[1, 2, 3])],
    )
    assert judge(at_the_limits, spec).problems == []
    over = facts(
        bytes=1001,
        body_font_pt=8.74,
        margins_pt=Margins(left=54, right=54, top=53.9, bottom=54),
        columns=3,
        page_sizes=[Paper(width_pt=615.1, height_pt=792, name=None, pages=[1, 2, 3])],
    )
    assert [p.code for p in judge(over, spec).problems] == ["too_large"]
    assert [p.code for p in judge(over.model_copy(update={"bytes": 999}), spec).problems] == [
        "font_too_small",
        "margins_too_small",
        "too_many_columns",
        "paper_size",
    ]
    assert judge(facts(pages=20, text_checked=False), SPEC).problems == []


def test_pages_are_counted_only_when_every_page_was_read() -> None:
    verdict = judge(facts(text_checked=False), SPEC)
    assert (verdict.outcome, verdict.pages, verdict.body_pages) == ("pass", 3, None)
    assert judge(facts(pages=None), SPEC).body_pages is None
    # An image-only page past the last one counts nothing.
    assert judge(facts(image_only_pages=[9]), SPEC).body_pages == 2


@pytest.mark.parametrize("side", ["left", "right", "top", "bottom"])
def test_the_smallest_margin_on_any_side_counts(side: str) -> None:
    margins = Margins(**{"left": 72.0, "right": 72.0, "top": 72.0, "bottom": 72.0, side: 40.0})
    [problem] = judge(facts(margins_pt=margins), FormatSpec(min_margin_pt=54)).problems
    assert (problem.code, problem.measured) == ("margins_too_small", 40.0)


def test_paper_is_named_under_the_specs_own_tolerance() -> None:
    near_letter = [Paper(width_pt=613, height_pt=792, name="letter", pages=[1, 2, 3])]
    assert judge(facts(page_sizes=near_letter), FormatSpec()).problems == []
    [problem] = judge(facts(page_sizes=near_letter), FormatSpec(paper_tolerance_pt=0)).problems
    assert problem.message == "Pages 1, 2, 3 are 613 x 792 pt; use letter or A4 paper."
