"""Layout rules on hand-placed text: heading forms, furniture, columns and reading order."""

from __future__ import annotations

import itertools

import pytest

from cfp.formatcheck.headings import is_reference_heading_text, squash
from cfp.formatcheck.layout import analyse
from cfp.formatcheck.page import Box, Fragment, PageContent

WIDTH, HEIGHT = 612.0, 792.0


@pytest.mark.parametrize(
    "text",
    [
        "References",
        "REFERENCES",
        "R EFERENCES",
        "R E F E R E N C E S",
        "7 References",
        "7. REFERENCES",
        "VII. REFERENCES",
        "References:",
        "Bibliography",
        "Literature Cited",
        "Works Cited",
        "References and Notes",
        "Refe\u00adrences",
        "Literatur",
        "LITERATURVERZEICHNIS",
        "R\u00e9f\u00e9rences",
        "R\u00b4ef\u00b4erences",
        "Re\u0301fe\u0301rences",
        "5. Bibliographie",
        "Referencias",
        "Bibliograf\u00eda",
        "Riferimenti bibliografici",
        "Refer\u00eancias",
        "Literatuur",
    ],
)
def test_reference_heading_forms(text: str) -> None:
    assert is_reference_heading_text(text)


@pytest.mark.parametrize(
    "text",
    [
        "References are listed below",
        "See the references",
        "Preferences",
        "12345 References list",
        "Referencing",
        "Literature",
        "Literaturkritik",
        "Bibliographie de l'auteur",
        "Referencias cruzadas",
    ],
)
def test_not_reference_headings(text: str) -> None:
    assert not is_reference_heading_text(text)


def test_squash_removes_spacing_and_case() -> None:
    assert squash(" R E F E R E N C E S ") == "references"


def body(x: float, top: float, count: int, width: float = 468.0, size: float = 10.0) -> list[Fragment]:
    """`count` lines of body text in a column starting at `x`."""
    return [
        Fragment(x, top + i * 12, x + width, top + i * 12 + 11, _sentence(x, top, i), size)
        for i in range(count)
    ]


_LINES = itertools.count()


def _sentence(x: float, top: float, index: int) -> str:
    words = ["cells", "grow", "under", "light", "while", "samples", "were", "measured", "daily", "at", "noon"]
    start = next(_LINES)
    return " ".join(
        words[(start + k * 7) % len(words)] + words[(start * 3 + k) % len(words)] for k in range(6)
    )


def heading(x: float, top: float, text: str = "References", bold: bool = True) -> Fragment:
    return Fragment(x, top, x + 70, top + 12, text, 11.0, bold)


def page(number: int, fragments: list[Fragment], graphics: list[Box] | None = None) -> PageContent:
    return PageContent(
        number=number, width=WIDTH, height=HEIGHT, fragments=fragments, graphics=graphics or []
    )


def test_heading_at_top_after_running_head_and_page_number() -> None:
    pages = [
        page(1, [Fragment(72, 30, 300, 38, "Poster Session 2025", 8.0), *body(72, 72, 50)]),
        page(
            2,
            [
                Fragment(72, 30, 300, 38, "Poster Session 2025", 8.0),
                heading(72, 80),
                *body(72, 100, 40, size=9.0),
                Fragment(300, 750, 306, 758, "2", 9.0),
            ],
        ),
    ]
    result = analyse(pages)
    assert result.references is not None
    assert (result.references.page, result.references.body_above) == (2, False)


def test_line_numbers_do_not_hide_a_heading() -> None:
    numbers = [Fragment(50, 80 + i * 12, 60, 91 + i * 12, str(i + 1), 7.0) for i in range(40)]
    pages = [page(1, body(72, 72, 50)), page(2, [*numbers, heading(72, 80), *body(72, 100, 30, size=9.0)])]
    result = analyse(pages)
    assert result.references is not None
    assert not result.references.body_above


def test_last_body_line_above_heading_counts_the_page() -> None:
    pages = [page(1, body(72, 72, 50)), page(2, [*body(72, 72, 1), heading(72, 100), *body(72, 120, 30)])]
    result = analyse(pages)
    assert result.references is not None
    assert result.references.body_above


def test_figure_above_heading_counts_the_page() -> None:
    figure = Box(72, 80, 400, 260)
    pages = [page(1, body(72, 72, 50)), page(2, [heading(72, 280), *body(72, 300, 30)], [figure])]
    result = analyse(pages)
    assert result.references is not None
    assert result.references.body_above


def test_label_inside_a_figure_is_not_a_heading() -> None:
    figure = Box(72, 300, 400, 500)
    pages = [page(1, [*body(72, 72, 18), heading(100, 400), *body(72, 520, 18)], [figure])]
    assert analyse(pages).references is None


def test_sentence_start_is_not_a_heading() -> None:
    sentence = Fragment(72, 72 + 5 * 12, 540, 83 + 5 * 12, "References to earlier work are given below", 10.0)
    pages = [page(1, [*body(72, 72, 5), sentence, *body(72, 72 + 6 * 12, 30)])]
    assert analyse(pages).references is None


@pytest.mark.parametrize("word", ["Literatur", "Bibliograf\u00eda", "R\u00e9f\u00e9rences"])
def test_foreign_word_alone_on_a_body_line_is_not_a_heading(word: str) -> None:
    line = Fragment(72, 72 + 5 * 12, 120, 83 + 5 * 12, word, 10.0)
    pages = [page(1, [*body(72, 72, 5), line, *body(72, 72 + 6 * 12, 30)])]
    assert analyse(pages).references is None


def test_right_column_heading_read_after_left_column_whatever_the_drawing_order() -> None:
    right = [heading(324, 72), *body(324, 92, 50, width=216)]
    left = body(72, 72, 55, width=216)
    result = analyse([page(1, [*right, *left])])
    assert result.columns == 2
    assert result.references is not None
    assert result.references.body_above


def test_two_column_page_starting_with_heading_in_left_column() -> None:
    pages = [
        page(1, [*body(72, 72, 55, width=216), *body(324, 72, 55, width=216)]),
        page(2, [heading(72, 72), *body(72, 92, 50, width=216), *body(324, 72, 55, width=216)]),
    ]
    result = analyse(pages)
    assert result.references is not None
    assert (result.references.page, result.references.body_above) == (2, False)


def test_body_font_is_the_size_with_most_text() -> None:
    pages = [page(1, [*body(72, 72, 40, size=9.0), *body(72, 600, 5, size=12.0)])]
    result = analyse(pages)
    assert result.body_font_pt == 9.0
    assert result.margins_pt is not None
    assert result.margins_pt.left == 72.0


def test_appendix_after_references_is_found() -> None:
    appendix = Fragment(72, 400, 200, 412, "Appendix A: Proofs", 11.0, True)
    pages = [
        page(1, body(72, 72, 50)),
        page(2, [heading(72, 72), *body(72, 92, 20, size=9.0), appendix, *body(72, 420, 20)]),
    ]
    result = analyse(pages)
    assert result.appendix is not None
    assert result.appendix.page == 2


def test_image_only_and_blank_pages() -> None:
    pages = [page(1, body(72, 72, 40)), page(2, [], [Box(0, 0, 612, 792)]), page(3, [])]
    pages[1].images = 1
    result = analyse(pages)
    assert result.image_only_pages == [2]
    assert result.blank_pages == [3]


def _entries(x: float, top: float, count: int, labels: str, indent: float) -> list[Fragment]:
    """Two-line references with labels set apart from the text, like REVTeX's `[1]` in the margin."""
    fragments: list[Fragment] = []
    for number in range(1, count + 1):
        y = top + (number - 1) * 22
        label = f"[{number}]" if labels == "bracket" else f"{number}."
        fragments.append(Fragment(x, y, x + 12, y + 10, label, 9.0))
        fragments.append(Fragment(x + 20, y, x + 400, y + 10, f"A. Smith and B. Chen, Cells {number},", 9.0))
        fragments.append(
            Fragment(x + indent, y + 11, x + 300, y + 21, f"Phys. Rev. {number} ({2000 + number})", 9.0)
        )
    return fragments


@pytest.mark.parametrize("labels", ["bracket", "dotted"])
def test_reference_list_with_labels_apart_from_the_text(labels: str) -> None:
    pages = [page(1, body(72, 72, 55)), page(2, [*body(72, 72, 10), *_entries(72, 220, 12, labels, 20)])]
    result = analyse(pages)
    assert result.references is not None
    expected = "[1]" if labels == "bracket" else "1."
    assert (result.references.page, result.references.heading) == (2, f"{expected} (no heading)")
    assert result.references.body_above


def test_dotted_list_without_hanging_indent_is_not_taken_for_references() -> None:
    pages = [page(1, body(72, 72, 55)), page(2, [*body(72, 72, 10), *_entries(72, 220, 12, "dotted", 0)])]
    assert analyse(pages).references is None


def test_list_followed_by_more_body_text_is_not_references() -> None:
    pages = [page(1, [*body(72, 72, 10), *_entries(72, 220, 5, "bracket", 20), *body(72, 340, 30)])]
    assert analyse(pages).references is None
