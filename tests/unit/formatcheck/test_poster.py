"""The poster check on the shapes posters really come in (A0, A1, PowerPoint's 48 x 36 in and 36 x 48 in,
US E-size), under an A0 portrait call and a 48 x 36 in landscape one; and on broken and hostile files."""

from __future__ import annotations

import pytest

from cfp.formatcheck import Budget, PosterSpec, check_poster
from cfp.formatcheck.models import Facts, ImageFact, Paper
from cfp.formatcheck.poster import judge_poster
from cfp_tools import pdfs
from cfp_tools.posters import SHAPES, PosterLayout, make_poster, photo_at_dpi

A0 = PosterSpec.parse("A0 portrait")
WIDESCREEN = PosterSpec.parse("48x36in")


def codes(data: bytes, spec: PosterSpec = A0) -> list[str]:
    return [problem.code for problem in check_poster(data, spec).problems]


@pytest.mark.parametrize(
    ("shape", "spec", "outcome", "found"),
    [
        ("A0 portrait", A0, "pass", []),
        ("A1 portrait", A0, "pass", []),
        ("A4 portrait", A0, "pass", []),
        ("A0 landscape", A0, "fail", ["poster_orientation"]),
        ("PowerPoint 48 x 36 in", A0, "fail", ["poster_orientation"]),
        ("PowerPoint 36 x 48 in", A0, "fail", ["poster_size"]),
        ("US E-size 34 x 44 in", A0, "fail", ["poster_size"]),
        ("PowerPoint 48 x 36 in", WIDESCREEN, "pass", []),
        ("PowerPoint 36 x 48 in", WIDESCREEN, "fail", ["poster_orientation"]),
        ("A0 landscape", WIDESCREEN, "fail", ["poster_size"]),
    ],
)
def test_each_real_shape_is_judged_against_the_calls_size(
    shape: str, spec: PosterSpec, outcome: str, found: list[str]
) -> None:
    verdict = check_poster(make_poster(PosterLayout(size=SHAPES[shape])), spec)
    assert (verdict.outcome, [p.code for p in verdict.problems]) == (outcome, found), verdict.problems
    for problem in verdict.problems:
        assert problem.measured and problem.limit == spec.describe()
        assert "export again" in problem.message


def test_a_smaller_page_of_the_same_shape_passes_with_a_note_on_scaling() -> None:
    exact = check_poster(make_poster(PosterLayout(size=SHAPES["A0 portrait"])), A0)
    assert exact.notes == []
    scaled = check_poster(make_poster(PosterLayout(size=SHAPES["A4 portrait"])), A0)
    assert scaled.outcome == "pass"
    assert scaled.notes == [
        "The poster is 210 \u00d7 297 mm, the shape of A0 portrait at 25% of its size: it will be printed "
        "scaled to 841 \u00d7 1189 mm. Make sure its images stay sharp at that size."
    ]


def test_a_landscape_poster_is_told_the_orientation_and_size_to_set() -> None:
    (problem,) = check_poster(make_poster(PosterLayout(size=SHAPES["A0 landscape"])), A0).problems
    assert problem.message == (
        "The poster is landscape (1189 \u00d7 841 mm); the call asks for A0 portrait (841 \u00d7 1189 mm). "
        "Lay it out portrait: set the page (or slide) size to 841 \u00d7 1189 mm and export again."
    )


def test_a_poster_of_two_pages_fails_saying_to_export_one() -> None:
    verdict = check_poster(make_poster(PosterLayout(pages=2)), A0)
    assert verdict.outcome == "fail"
    (problem,) = verdict.problems
    assert (problem.code, problem.measured, problem.limit) == ("poster_pages", 2, 1)
    assert "exactly one page" in problem.message


def test_fonts_the_file_does_not_carry_are_a_warning_naming_them() -> None:
    verdict = check_poster(make_poster(PosterLayout(embed_fonts=False)), A0)
    assert verdict.outcome == "warn"
    (problem,) = verdict.problems
    assert problem.code == "fonts_not_embedded"
    assert "(Helvetica)" in problem.message
    assert verdict.facts.fonts_not_embedded == ["Helvetica"]


def test_images_too_coarse_at_the_printed_size_are_named_by_where_they_are() -> None:
    size = SHAPES["A0 portrait"]
    sharp = photo_at_dpi(200, (0.05, 0.05, 0.2, 0.1), size)
    coarse = photo_at_dpi(72, (0.7, 0.8, 0.2, 0.1), size)
    verdict = check_poster(make_poster(PosterLayout(photos=[sharp, coarse])), A0)
    assert verdict.outcome == "warn"
    (problem,) = verdict.problems
    assert (problem.code, problem.measured, problem.limit) == ("low_resolution", 72, 150)
    assert "the one at the top right (72 dpi)" in problem.message
    assert "bottom left" not in problem.message


def test_an_image_sharp_on_a_small_page_is_judged_at_the_printed_size() -> None:
    """An A4 page scaled to A0 prints its images at a quarter of their resolution on the page."""
    size = SHAPES["A4 portrait"]
    verdict = check_poster(
        make_poster(PosterLayout(size=size, photos=[photo_at_dpi(300, (0.3, 0.3, 0.4, 0.3), size)])), A0
    )
    (problem,) = verdict.problems
    assert problem.code == "low_resolution"
    assert problem.measured == 75
    assert "the one in the middle (75 dpi)" in problem.message


def test_a_file_over_the_poster_limit_is_too_large_and_not_parsed() -> None:
    spec = PosterSpec.parse("A0 portrait", max_bytes=1000)
    verdict = check_poster(make_poster(), spec)
    assert [p.code for p in verdict.problems] == ["too_large"]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"<html>not a pdf</html>", "not_pdf"),
        (b"%PDF-1.7\n", "unreadable"),
        (pdfs.encrypted(), "encrypted"),
    ],
    ids=["empty", "html", "header-only", "encrypted"],
)
def test_broken_and_hostile_files_get_a_poster_verdict(data: bytes, code: str) -> None:
    verdict = check_poster(data, A0)
    assert verdict.outcome == "fail"
    assert code in [p.code for p in verdict.problems]
    if code in {"empty", "not_pdf"}:
        assert "poster" in verdict.problems[0].message


def test_a_decompression_bomb_is_stopped_by_the_same_budget() -> None:
    budget = Budget(cpu_seconds=2, wall_seconds=4, memory_mb=256)
    verdict = check_poster(pdfs.decompression_bomb(256), A0, budget)
    assert verdict.outcome in {"fail", "warn", "pass"}  # a verdict, never an exception or a hang
    assert verdict.facts.measurer >= 1


def test_poster_sizes_are_parsed_as_organizers_write_them() -> None:
    assert PosterSpec.parse("A1 landscape").describe() == "A1 landscape (841 \u00d7 594 mm)"
    assert PosterSpec.parse("48 x 36 in").landscape
    assert (PosterSpec.parse("600x900mm").width_mm, PosterSpec.parse("60 x 90 cm").height_mm) == (600, 900)
    with pytest.raises(ValueError, match="not understood"):
        PosterSpec.parse("as big as possible")


def test_judging_is_pure_and_reads_only_facts() -> None:
    page = Paper(width_pt=2384, height_pt=3370, pages=[1])
    logo = ImageFact(page=1, left=10, bottom=10, right=40, top=40, dpi=20)
    facts = Facts(
        bytes=100, header_offset=0, opened=True, pages=1, page_sizes=[page], paper=page, images=[logo]
    )
    assert judge_poster(facts, A0).outcome == "pass"  # a logo too small to judge
