"""Finding the references heading, an appendix heading, or a numbered reference list with no heading.

A heading is read the way a program chair would: numbered, in small caps, letter-spaced, run in to its
first entry, or in another language, but set apart from the body text and not inside a figure. Pure
Python on the lines `layout` builds, so every rule can be tested without a PDF.
"""

from __future__ import annotations

import itertools
import re
import statistics
import unicodedata
from dataclasses import dataclass, field

from cfp.formatcheck.models import Heading
from cfp.formatcheck.page import Box, Line, PageLayout

# Squashed and without accents, so `Références` is `references` and `Bibliografía` `bibliografia`.
_REFERENCE_WORDS = (
    "referencesandfurtherreading",
    "bibliographyandreferences",
    "literaturereferences",
    "referencesandnotes",
    "notesandreferences",
    "literaturecited",
    "citedliterature",
    "referencescited",
    "citedreferences",
    "bibliography",
    "workscited",
    "references",
    "reference",
    "referencesbibliographiques",
    "referenciasbibliograficas",
    "riferimentibibliografici",
    "literaturverzeichnis",
    "bibliographie",
    "bibliografia",
    "referencias",
    "riferimenti",
    "literatuur",
    "literatur",
)
_NUMBERING = r"(?:\d{1,2}(?:\.\d{1,2})*\.?|[ivxlc]{1,6}\.|[a-z]\.)?"
_KEYWORDS = "|".join(_REFERENCE_WORDS)
_STANDALONE = re.compile(rf"^{_NUMBERING}(?P<kw>{_KEYWORDS})[:.]?$")
_RUN_IN = re.compile(rf"^{_NUMBERING}(?P<kw>{_KEYWORDS})(?P<sep>[:.\u2013\u2014-])(?P<rest>.+)$")
_APPENDIX = re.compile(
    rf"^{_NUMBERING}(?:appendix|appendices|supplementarymaterials?)(?:[a-z]|\d{{1,2}})?(?:[:.].*)?$"
)
_ENTRY = re.compile(r"^(?:\[(?P<bracket>\d{1,3})\]|(?P<dotted>\d{1,3})\.)(?:\s+(?P<rest>\S.*))?$")
_YEAR = re.compile(r"(?<!\d)(?:1[6-9]|20)\d\d(?!\d)")


def squash(text: str) -> str:
    """Lower-case letters and digits without spacing or accents: `R É F É R E N C E S` becomes
    `references`. Accents that TeX draws as separate marks go too."""
    if not text.isascii():
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not _dropped(ch))
    return "".join(text.replace("`", "").replace("^", "").split()).lower()


def _dropped(ch: str) -> bool:
    """Accents, spacing accents and invisible format characters such as the soft hyphen."""
    return unicodedata.category(ch) in ("Mn", "Sk", "Cf") or "\u02b0" <= ch <= "\u02ff"


# Headings.


def is_reference_heading_text(text: str) -> bool:
    return bool(_STANDALONE.match(squash(text)))


def _run_in_heading(line: Line) -> bool:
    match = _RUN_IN.match(squash(line.text))
    if not match:
        return False
    if match.group("sep") == ":":
        return True
    keyword_caps = line.text.lstrip()[:4].isupper()
    return line.bold or keyword_caps


def _set_apart(
    line: Line, previous: Line | None, following: Line | None, body_size: float, pitch: float
) -> bool:
    if line.size >= body_size + 0.5 or line.bold:
        return True
    letters = [ch for ch in line.text if ch.isalpha()]
    if len(letters) >= 4 and all(ch.isupper() for ch in letters):
        return True
    if previous is None or previous.key[:2] != line.key[:2]:
        return True
    if line.y0 - previous.y0 >= 1.4 * pitch:
        return True
    return (
        following is not None and following.key[:2] == line.key[:2] and following.y0 - line.y0 >= 1.4 * pitch
    )


def _inside_graphic(line: Line, layout: PageLayout) -> bool:
    return any(box.holds(line) for _, box in layout.graphics)


def find_heading(
    layouts: list[PageLayout], body_size: float, pitch: float, *, appendix: bool = False, after: int = 0
) -> tuple[PageLayout, Line] | None:
    """The first references (or appendix) heading in reading order, on pages after `after`."""
    for layout in layouts[after:]:
        lines = [line for line in layout.lines if not line.furniture]
        for index, line in enumerate(lines):
            if not _heading_text(line, appendix) or line.size < body_size - 2.0:
                continue
            previous = lines[index - 1] if index else None
            following = lines[index + 1] if index + 1 < len(lines) else None
            standalone = not _RUN_IN.match(squash(line.text)) or appendix
            if standalone and not _set_apart(line, previous, following, body_size, pitch):
                continue
            if _inside_graphic(line, layout):
                continue
            return layout, line
    return None


def find_appendix(
    layouts: list[PageLayout], body_size: float, pitch: float, references: Line
) -> Heading | None:
    """The first appendix heading after the references heading `references`."""
    found = find_heading(layouts, body_size, pitch, appendix=True, after=references.page - 1)
    if not found:
        return None
    layout, heading = found
    if heading.page == references.page and heading.key <= references.key:
        return None
    return Heading(page=heading.page, heading=heading.text, body_above=content_above(layout, heading))


def _heading_text(line: Line, appendix: bool) -> bool:
    if appendix:
        return len(line.text) <= 80 and bool(_APPENDIX.match(squash(line.text)))
    return is_reference_heading_text(line.text) or _run_in_heading(line)


def content_above(layout: PageLayout, heading: Line) -> bool:
    """Whether any body text or figure precedes the heading on its page in reading order."""
    if any(line.key < heading.key for line in layout.lines if not line.furniture and line is not heading):
        return True
    return any(key < heading.key and not _overlaps(box, heading) for key, box in layout.graphics)


def _overlaps(box: Box, line: Line) -> bool:
    return box.x0 < line.x1 and line.x0 < box.x1 and box.y0 < line.y1 and line.y0 < box.y1


def line_pitch(layouts: list[PageLayout], body_size: float) -> float:
    """Typical distance between consecutive body lines of one column."""
    steps: list[float] = []
    for layout in layouts:
        body = [line for line in layout.lines if not line.furniture and abs(line.size - body_size) < 0.6]
        for first, second in itertools.pairwise(body):
            if first.key[:2] == second.key[:2] and 0 < second.y0 - first.y0 < 4 * body_size:
                steps.append(second.y0 - first.y0)
    return statistics.median(steps) if steps else 1.2 * body_size


# Reference lists without a heading.

_MIN_ENTRIES = 3
_MAX_ENTRY_LINES = 6
_MIN_LINES_BEFORE = 3


@dataclass(slots=True)
class _Entry:
    line: Line
    bracket: bool
    lines: list[Line] = field(default_factory=list)
    rows: int = 1

    def text(self) -> str:
        return " ".join(line.text for line in self.lines)


def find_reference_list(layouts: list[PageLayout]) -> tuple[PageLayout, Line] | None:
    """The first entry of a numbered reference list that starts with no heading at all.

    Some styles (REVTeX, many Word abstracts) go straight from the body to `[1] A. Author, ...`.
    Numbered lists in the body must not pass for one, so the list must number its entries 1, 2, 3
    and on without a gap, come after body text, run to the end of the text or to an appendix
    heading, keep each entry short, and read like citations: a year in most entries, and `[n]`
    labels or, for `1.` labels, a hanging indent and entries that start with a capital (a name).
    """
    flow = [(layout, line) for layout in layouts for line in layout.lines if not line.furniture]
    for index in range(_MIN_LINES_BEFORE, len(flow)):
        layout, line = flow[index]
        match = _ENTRY.match(line.text)
        first = match is not None and int(match.group("bracket") or match.group("dotted")) == 1
        if match and first and _reference_run(flow, index, match.group("bracket") is not None):
            return layout, line
    return None


def _reference_run(flow: list[tuple[PageLayout, Line]], start: int, bracket: bool) -> bool:
    entries: list[_Entry] = []
    first = flow[start][1]
    for _, line in flow[start:]:
        if line.page == first.page and line.key[:2] != first.key[:2] and line.y1 <= first.y0:
            continue  # body text balanced above the list in the next column (REVTeX)
        match = _ENTRY.match(line.text)
        if match and (match.group("bracket") is not None) == bracket:
            if int(match.group("bracket") or match.group("dotted")) != len(entries) + 1:
                return False
            entries.append(_Entry(line, bracket, [line]))
            continue
        if len(entries) >= _MIN_ENTRIES and len(line.text) <= 80 and _APPENDIX.match(squash(line.text)):
            break
        entry = entries[-1]
        last = entry.lines[-1]
        if line.page == last.page and _same_row(line, last):
            entry.lines.append(line)
            continue
        if entry.rows >= _MAX_ENTRY_LINES or not (bracket or _hangs(entry, line)):
            return False
        entry.lines.append(line)
        entry.rows += 1
    return len(entries) >= _MIN_ENTRIES and _citation_like(entries)


def _same_row(line: Line, other: Line) -> bool:
    """Pieces of one printed line (justified text can be cut into several lines at wide spaces)."""
    overlap = min(line.y1, other.y1) - max(line.y0, other.y0)
    return overlap >= 0.5 * min(line.y1 - line.y0, other.y1 - other.y0)


def _hangs(entry: _Entry, line: Line) -> bool:
    """A continuation line of a `1.` entry starts right of the number (a hanging indent)."""
    label = entry.line
    if line.page != label.page or line.key[:2] != label.key[:2]:
        return True
    return line.x0 > label.x0 + 0.25 * (label.y1 - label.y0)


def _citation_like(entries: list[_Entry]) -> bool:
    years = sum(1 for entry in entries if _YEAR.search(entry.text()))
    if entries[0].bracket:
        return 2 * years >= len(entries)
    capitals = sum(1 for entry in entries if _starts_with_capital(entry))
    return 3 * years >= 2 * len(entries) and 3 * capitals >= 2 * len(entries)


def _starts_with_capital(entry: _Entry) -> bool:
    match = _ENTRY.match(entry.line.text)
    rest: str = (match.group("rest") if match else None) or ""
    if not rest and len(entry.lines) > 1:
        rest = entry.lines[1].text
    return rest[:1].isupper()
