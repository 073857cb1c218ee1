"""End-to-end checks of generated abstracts through the isolated checker."""

from __future__ import annotations

import unicodedata
from dataclasses import replace

import pytest

from cfp.formatcheck import Budget, FormatSpec, check_pdf
from cfp_tools.pdfs import AbstractLayout, make_abstract, make_textless, render

SPEC = FormatSpec(max_body_pages=2, max_bytes=10 * 1024 * 1024)

# REVTeX ends the body with both columns balanced, then starts `[1]` below them in the left column.
REVTEX = AbstractLayout(
    body_pages=2, reference_pages=0, columns=2, heading="", citations=True, balanced_columns=True
)


def layout_id(layout: AbstractLayout) -> str:
    """An ASCII test id: pytest escapes other letters anew each time a process collects the module, so an
    id like ``Bibliograf\\xeda`` could not be named again by a second run in the same process (mutmut's)."""
    heading = unicodedata.normalize("NFKD", layout.heading).encode("ascii", "ignore").decode()
    return f"{heading}-{layout.columns}"


def codes(data: bytes, spec: FormatSpec = SPEC) -> list[str]:
    return [problem.code for problem in check_pdf(data, spec).problems]


def test_two_body_pages_pass_with_facts() -> None:
    verdict = check_pdf(make_abstract(2), SPEC)
    assert verdict.outcome == "pass"
    assert (verdict.pages, verdict.body_pages) == (3, 2)
    dumped = verdict.model_dump(mode="json")
    assert dumped["facts"]["paper"]["name"] == "letter"
    assert dumped["facts"]["references"] == {"page": 3, "heading": "References", "body_above": False}
    assert dumped["facts"]["body_font_pt"] == 10.0
    assert dumped["facts"]["columns"] == 1
    assert set(dumped["facts"]["margins_pt"]) == {"left", "right", "top", "bottom"}


def test_three_body_pages_fail_with_actionable_message() -> None:
    verdict = check_pdf(make_abstract(3), SPEC)
    assert verdict.outcome == "fail"
    (problem,) = verdict.problems
    assert problem.code == "too_many_body_pages"
    assert (problem.measured, problem.limit) == (3, 2)
    assert problem.message.startswith("3 pages before the references; the limit is 2.")


@pytest.mark.parametrize("columns", [1, 2])
def test_heading_mid_page_counts_that_page(columns: int) -> None:
    verdict = check_pdf(make_abstract(2, reference_pages=0, columns=columns), SPEC)
    assert verdict.body_pages == 2
    assert verdict.facts.references is not None
    assert verdict.facts.references.body_above


def test_two_columns_reported() -> None:
    verdict = check_pdf(make_abstract(2, columns=2), SPEC)
    assert verdict.facts.columns == 2
    assert verdict.body_pages == 2


@pytest.mark.parametrize(
    "layout",
    [
        AbstractLayout(body_pages=2, heading="REFERENCES", letter_spacing=3),
        AbstractLayout(
            body_pages=2, heading="R E F E R E N C E S", heading_font="Times-Roman", heading_size=10
        ),
        AbstractLayout(
            body_pages=2, small_caps=True, heading_font="Times-Roman", heading_size=10, centered_heading=True
        ),
        AbstractLayout(body_pages=2, heading="7. REFERENCES"),
        AbstractLayout(body_pages=2, heading="7 References"),
        AbstractLayout(body_pages=2, heading="References:"),
        AbstractLayout(body_pages=2, heading="Bibliography"),
        AbstractLayout(body_pages=2, heading="Literature Cited"),
        AbstractLayout(body_pages=2, heading="Works Cited"),
        AbstractLayout(body_pages=2, heading="References and Notes"),
        *(
            AbstractLayout(body_pages=2, heading=word)
            for word in (
                "Literatur",
                "Literaturverzeichnis",
                "R\u00e9f\u00e9rences",
                "Bibliographie",
                "Referencias",
                "Bibliograf\u00eda",
                "Riferimenti bibliografici",
                "Refer\u00eancias",
                "Literatuur",
            )
        ),
        AbstractLayout(body_pages=2, heading="LITERATUR", heading_font="Times-Roman", heading_size=10),
        AbstractLayout(
            body_pages=2, running_head="Proceedings of the Poster Session 2025", page_numbers=True
        ),
        AbstractLayout(body_pages=2, line_numbers=True, page_numbers=True),
        AbstractLayout(body_pages=2, columns=2, reversed_columns=True),
        AbstractLayout(body_pages=2, figure_label="References"),
    ],
    ids=layout_id,
)
def test_heading_variants_start_the_references_page(layout: AbstractLayout) -> None:
    verdict = check_pdf(render(layout), SPEC)
    assert verdict.facts.references is not None, verdict.facts
    assert verdict.facts.references.page == 3
    assert not verdict.facts.references.body_above
    assert verdict.body_pages == 2
    assert verdict.outcome == "pass"


def test_run_in_heading_found() -> None:
    verdict = check_pdf(render(AbstractLayout(body_pages=2, run_in=True, heading_place="middle")), SPEC)
    assert verdict.facts.references is not None
    assert verdict.facts.references.heading.startswith("References:")
    assert verdict.body_pages == 2


@pytest.mark.parametrize("reversed_columns", [False, True])
def test_heading_in_right_column_keeps_page_as_body(reversed_columns: bool) -> None:
    layout = AbstractLayout(
        body_pages=2, columns=2, heading_place="right_column", reversed_columns=reversed_columns
    )
    verdict = check_pdf(render(layout), SPEC)
    assert verdict.facts.references is not None
    assert (verdict.facts.references.page, verdict.facts.references.body_above) == (2, True)
    assert verdict.body_pages == 2


def test_figure_above_heading_makes_a_body_page() -> None:
    verdict = check_pdf(render(AbstractLayout(body_pages=2, figure_above_heading=True)), SPEC)
    assert verdict.facts.references is not None
    assert verdict.facts.references.body_above
    assert verdict.body_pages == 3
    assert verdict.outcome == "fail"


def test_acknowledgments_are_body() -> None:
    layout = AbstractLayout(body_pages=2, reference_pages=0, acknowledgments_above_heading=True)
    verdict = check_pdf(render(layout), SPEC)
    assert verdict.body_pages == 2
    assert verdict.facts.references is not None
    assert verdict.facts.references.heading == "References"


def test_appendix_after_references_counts_only_when_configured() -> None:
    data = render(AbstractLayout(body_pages=2, appendix_pages=1))
    verdict = check_pdf(data, SPEC)
    assert verdict.facts.appendix is not None
    assert verdict.facts.appendix.page == 4
    assert (verdict.body_pages, verdict.outcome) == (2, "pass")
    counted = check_pdf(data, FormatSpec(max_body_pages=2, appendices_count=True))
    assert (counted.body_pages, counted.outcome) == (3, "fail")


def test_image_only_page_is_reported_and_counted() -> None:
    verdict = check_pdf(render(AbstractLayout(body_pages=1, image_page=True)), SPEC)
    assert verdict.facts.image_only_pages == [3]
    assert verdict.body_pages == 2
    assert [problem.code for problem in verdict.problems] == ["image_only_pages"]


def test_a_pdf_with_nothing_on_any_page_fails() -> None:
    verdict = check_pdf(make_textless(2), SPEC)
    assert verdict.facts.blank_pages == [1, 2]
    assert verdict.outcome == "fail"
    (problem,) = verdict.problems
    assert problem.code == "no_content"
    assert problem.message.startswith("No page of this PDF has any text or images")


def test_a_pdf_of_rules_and_frames_only_has_nothing_to_read() -> None:
    verdict = check_pdf(make_textless(2, drawing="rules"), SPEC)
    assert verdict.facts.blank_pages == [1, 2]
    assert [problem.code for problem in verdict.problems] == ["no_content"]


def test_a_pdf_of_vector_figures_without_text_only_warns() -> None:
    verdict = check_pdf(make_textless(1, drawing="figure"), SPEC)
    assert (verdict.facts.image_only_pages, verdict.facts.blank_pages) == ([1], [])
    assert (verdict.outcome, [problem.code for problem in verdict.problems]) == ("warn", ["image_only_pages"])


def test_small_font_and_a4_paper() -> None:
    verdict = check_pdf(render(AbstractLayout(body_pages=1, paper=(595.28, 841.89), font_size=8)), SPEC)
    assert verdict.facts.paper is not None
    assert verdict.facts.paper.name == "A4"
    assert verdict.facts.body_font_pt == 8.0
    assert [problem.code for problem in verdict.problems] == ["font_too_small"]


def test_letter_paper_not_allowed() -> None:
    verdict = check_pdf(make_abstract(1), FormatSpec(allowed_papers=("A4",)))
    assert [problem.code for problem in verdict.problems] == ["paper_size"]


@pytest.mark.parametrize(
    ("layout", "page", "body_above"),
    [
        (AbstractLayout(body_pages=2, heading="", citations=True), 3, False),
        (AbstractLayout(body_pages=2, heading="", citations=True, numbering="dotted"), 3, False),
        (AbstractLayout(body_pages=2, reference_pages=0, heading="", citations=True), 2, True),
        (
            AbstractLayout(body_pages=2, columns=2, heading="", citations=True, heading_place="right_column"),
            2,
            True,
        ),
        (
            AbstractLayout(
                body_pages=2,
                columns=2,
                heading="",
                citations=True,
                heading_place="right_column",
                reversed_columns=True,
                numbering="dotted",
            ),
            2,
            True,
        ),
        (AbstractLayout(body_pages=2, heading="", citations=True, body_list=3), 3, False),
        (REVTEX, 2, True),
        (replace(REVTEX, justified_references=True), 2, True),
    ],
    ids=[
        "bracket",
        "dotted",
        "mid-page",
        "right-column",
        "dotted-right-column",
        "after-body-list",
        "below-balanced-columns",
        "justified-below-balanced-columns",
    ],
)
def test_reference_list_without_heading(layout: AbstractLayout, page: int, body_above: bool) -> None:
    verdict = check_pdf(render(layout), SPEC)
    references = verdict.facts.references
    assert references is not None, verdict.facts
    label = "[1]" if layout.numbering == "bracket" else "1."
    assert (references.page, references.heading, references.body_above) == (
        page,
        f"{label} (no heading)",
        body_above,
    )
    assert (verdict.body_pages, verdict.outcome) == (2, "pass")


def test_reference_list_without_heading_ends_at_appendix() -> None:
    layout = AbstractLayout(body_pages=2, heading="", citations=True, appendix_pages=1)
    verdict = check_pdf(render(layout), SPEC)
    assert verdict.facts.references is not None
    assert verdict.facts.appendix is not None
    assert (verdict.facts.references.page, verdict.facts.appendix.page) == (3, 4)
    assert verdict.body_pages == 2


@pytest.mark.parametrize(
    "layout",
    [
        AbstractLayout(body_pages=3, reference_pages=0, with_references=False, body_list=4),
        AbstractLayout(
            body_pages=3, reference_pages=0, with_references=False, body_list=4, body_list_at_end=True
        ),
        AbstractLayout(
            body_pages=3,
            reference_pages=0,
            with_references=False,
            body_list=4,
            body_list_at_end=True,
            numbering="dotted",
        ),
        AbstractLayout(body_pages=2, heading=""),
    ],
    ids=["list-in-body", "list-ends-text", "dotted-list-ends-text", "entries-without-years"],
)
def test_numbered_list_that_is_not_references(layout: AbstractLayout) -> None:
    verdict = check_pdf(render(layout), SPEC)
    assert verdict.facts.references is None
    assert verdict.body_pages == 3
    assert "references_not_found" in [problem.code for problem in verdict.problems]


def _measured_by(monkeypatch: pytest.MonkeyPatch, task: object) -> None:
    """Replace what the isolated child runs, as a hostile PDF would make the parser behave."""
    import cfp.formatcheck.extract as extract
    from cfp.formatcheck import warm_up

    warm_up()  # the warm-up parses in this process: it must not meet the hostile stand-in
    monkeypatch.setattr(extract, "measure_in_process", task)


def test_a_parser_spinning_on_the_cpu_is_stopped_and_judged(monkeypatch: pytest.MonkeyPatch) -> None:
    def spin(*args: object) -> None:
        while True:
            pass

    _measured_by(monkeypatch, spin)
    verdict = check_pdf(make_abstract(2), SPEC, Budget(cpu_seconds=0.5, wall_seconds=30))
    [problem] = verdict.problems
    assert (verdict.outcome, problem.code, problem.measured) == ("fail", "resource_limit", "cpu")


def test_a_parser_eating_memory_is_reported_as_memory_not_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    def hog(*args: object) -> None:
        blocks = []
        while True:
            blocks.append(bytearray(64 * 1024 * 1024))

    _measured_by(monkeypatch, hog)
    verdict = check_pdf(make_abstract(2), SPEC, Budget(memory_mb=256, cpu_seconds=10, wall_seconds=30))
    [problem] = verdict.problems
    assert (verdict.outcome, problem.code, problem.measured) == ("fail", "resource_limit", "memory")


def test_a_parser_crash_makes_the_file_unreadable(monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import signal

    def crash(*args: object) -> None:
        os.kill(os.getpid(), signal.SIGSEGV)

    _measured_by(monkeypatch, crash)
    verdict = check_pdf(make_abstract(2), SPEC)
    [problem] = verdict.problems
    assert (verdict.outcome, problem.code) == ("fail", "unreadable")
