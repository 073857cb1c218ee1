"""Page layout analysis: from positioned text fragments and drawings to lines in reading order, then,
with the references heading that `headings` finds, the body measurements (font size, columns, margins).

Pure Python on plain data, so every rule can be tested without a PDF. Coordinates are PDF points
with the origin at the top left of the displayed page (y grows downwards).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from cfp.formatcheck.headings import (
    content_above,
    find_appendix,
    find_heading,
    find_reference_list,
    is_reference_heading_text,
    line_pitch,
    squash,
)
from cfp.formatcheck.models import Heading, Margins
from cfp.formatcheck.page import Box, Fragment, Line, PageContent, PageLayout

_PAGE_NUMBER = re.compile(
    r"^(?:page)?[-\u2013\u2014]?(?:\d{1,4}|[ivxlcdm]{1,7})[-\u2013\u2014]?(?:(?:of|/)\d{1,4})?$"
)
_DIGITS = re.compile(r"\d+")
_TOP_ZONE = 0.12
_BOTTOM_ZONE = 0.88


@dataclass(slots=True)
class Analysis:
    body_font_pt: float | None
    font_sizes: dict[str, int]
    columns: int | None
    margins_pt: Margins | None
    references: Heading | None
    appendix: Heading | None
    image_only_pages: list[int]
    blank_pages: list[int]


# Lines.


def build_lines(page: PageContent) -> list[Line]:
    """Group fragments into lines: same vertical band, no gap wider than about a character height."""
    frags = sorted(_on_page(page), key=lambda f: (f.y0 + f.y1) / 2)
    rows: list[list[Fragment]] = []
    anchors: list[tuple[float, float]] = []
    for frag in frags:
        y0, y1 = frag.y0, frag.y1
        for index in range(len(rows) - 1, max(-1, len(rows) - 6), -1):
            top, bottom = anchors[index]
            if (bottom if bottom < y1 else y1) - (top if top > y0 else y0) >= 0.5 * min(
                bottom - top, y1 - y0
            ):
                rows[index].append(frag)
                break
        else:
            rows.append([frag])
            anchors.append((frag.y0, frag.y1))
    lines: list[Line] = []
    for row in rows:
        lines.extend(_split_row(page.number, row))
    lines.sort(key=lambda line: (line.y0, line.x0))
    return lines


def _on_page(page: PageContent) -> list[Fragment]:
    """Fragments that show on the page, clipped to it (off-page text is neither read nor measured)."""
    kept: list[Fragment] = []
    for frag in page.fragments:
        if frag.x1 <= 0 or frag.y1 <= 0 or frag.x0 >= page.width or frag.y0 >= page.height:
            continue
        frag.x0, frag.x1 = max(frag.x0, 0.0), min(frag.x1, page.width)
        frag.y0, frag.y1 = max(frag.y0, 0.0), min(frag.y1, page.height)
        if frag.y1 > frag.y0:
            kept.append(frag)
    return kept


def _split_row(page: int, row: list[Fragment]) -> list[Line]:
    row.sort(key=lambda f: f.x0)
    groups: list[list[Fragment]] = [[row[0]]]
    for frag in row[1:]:
        prev = groups[-1][-1]
        height = max(prev.y1 - prev.y0, frag.y1 - frag.y0)
        if frag.x0 - prev.x1 > 0.8 * height:
            groups.append([frag])
        else:
            groups[-1].append(frag)
    return [_make_line(page, group) for group in groups]


def _make_line(page: int, group: list[Fragment]) -> Line:
    if len(group) == 1:
        frag = group[0]
        chars = len(frag.text) - frag.text.count(" ")
        bold = frag.bold and any(ch.isalpha() for ch in frag.text)
        return Line(
            page, frag.x0, frag.y0, frag.x1, frag.y1, frag.text, frag.size, chars, bold, [(frag.size, chars)]
        )
    parts: list[str] = []
    for index, frag in enumerate(group):
        if index and frag.x0 - group[index - 1].x1 > 0.12 * (frag.y1 - frag.y0):
            parts.append(" ")
        parts.append(frag.text)
    sizes = [(frag.size, len(frag.text.replace(" ", ""))) for frag in group]
    lettered = [frag for frag in group if any(ch.isalpha() for ch in frag.text)]
    return Line(
        page=page,
        x0=min(f.x0 for f in group),
        y0=min(f.y0 for f in group),
        x1=max(f.x1 for f in group),
        y1=max(f.y1 for f in group),
        text="".join(parts).strip(),
        size=max(f.size for f in group),
        chars=sum(count for _, count in sizes),
        bold=bool(lettered) and all(frag.bold for frag in lettered),
        sizes=sizes,
    )


def dominant_size(lines: list[Line]) -> tuple[float | None, dict[str, int]]:
    """The font size carrying the most characters, and the five most used sizes."""
    counts: Counter[float] = Counter()
    for line in lines:
        for size, chars in line.sizes:
            if size > 0:
                counts[round(size, 1)] += chars
    if not counts:
        return None, {}
    top = counts.most_common(5)
    return top[0][0], {f"{size:g}": chars for size, chars in top}


# Furniture: running heads, footers, page numbers, line numbers.


def mark_line_numbers(lines: list[Line]) -> None:
    """Flag margin line numbers (review mode, `lineno`): short numbers stacked at one x position."""
    numeric = [line for line in lines if line.text.isdigit() and len(line.text) <= 4]
    by_edge: defaultdict[int, list[Line]] = defaultdict(list)
    for line in numeric:
        by_edge[round(line.x1 / 3)].append(line)
    for group in by_edge.values():
        if len(group) >= 4:
            for line in group:
                line.furniture = True
    text = [line for line in lines if not line.furniture and not line.text.isdigit()]
    if not text:
        return
    left, right = min(line.x0 for line in text), max(line.x1 for line in text)
    for line in numeric:
        if line.x1 <= left + 1 or line.x0 >= right - 1:
            line.furniture = True


def mark_running_heads(pages: list[PageContent], lines_by_page: list[list[Line]], body_size: float) -> None:
    """Flag running heads, footers and page numbers in the top and bottom zones of each page.

    A zone line is furniture when it is a page number, repeats on another page, or is set smaller
    than the body and stands apart from the text. A references heading is never furniture unless
    it repeats like a running head.
    """
    seen: defaultdict[tuple[str, str], set[int]] = defaultdict(set)
    zoned: list[tuple[str, str, Line, PageContent]] = []
    for page, lines in zip(pages, lines_by_page, strict=True):
        for line in lines:
            zone = _zone(line, page.height)
            if zone and not line.furniture:
                norm = _DIGITS.sub("#", squash(line.text))
                seen[(zone, norm)].add(page.number)
                zoned.append((zone, norm, line, page))
    for zone, norm, line, page in zoned:
        repeated = len(seen[(zone, norm)]) >= 2
        if repeated or _PAGE_NUMBER.match(squash(line.text)):
            line.furniture = True
        elif not is_reference_heading_text(line.text) and line.size < body_size - 0.75:
            line.furniture = _stands_apart(line, lines_by_page[page.number - 1], zone)


def _zone(line: Line, height: float) -> str:
    if line.y1 <= _TOP_ZONE * height:
        return "top"
    if line.y0 >= _BOTTOM_ZONE * height:
        return "bottom"
    return ""


def _stands_apart(line: Line, lines: list[Line], zone: str) -> bool:
    height = line.y1 - line.y0
    others = [o for o in lines if o is not line and not o.furniture]
    if zone == "top":
        below = [o.y0 for o in others if o.y0 >= line.y1 - 0.5 * height]
        return not below or min(below) - line.y1 >= height
    above = [o.y1 for o in others if o.y1 <= line.y0 + 0.5 * height]
    return not above or line.y0 - max(above) >= height


# Columns and reading order.


def find_gutters(lines: list[Line]) -> list[tuple[float, float]]:
    """Vertical white channels through the text block that separate columns of text."""
    body = [line for line in lines if not line.furniture and line.chars >= 3]
    if len(body) < 6:
        return []
    left, right = min(line.x0 for line in body), max(line.x1 for line in body)
    width = int(right - left)
    if width < 100:
        return []
    cover = [0] * (width + 2)
    for line in body:
        cover[max(0, int(line.x0 - left))] += 1
        cover[min(width + 1, int(line.x1 - left) + 1)] -= 1
    running, level = 0, []
    for step in cover:
        running += step
        level.append(running)
    threshold = max(1, int(0.08 * len(body)))
    gutters: list[tuple[float, float]] = []
    start: int | None = None
    for x in range(int(0.2 * width), int(0.8 * width) + 1):
        if level[x] <= threshold and start is None:
            start = x
        elif level[x] > threshold and start is not None:
            gutters.append((left + start, left + x))
            start = None
    if start is not None:
        gutters.append((left + start, left + int(0.8 * width)))
    return [gutter for gutter in gutters if _separates(gutter, body)]


def _separates(gutter: tuple[float, float], body: list[Line]) -> bool:
    lo, hi = gutter
    if hi - lo < 6:
        return False
    left = sum(1 for line in body if line.x1 <= lo + 1)
    right = sum(1 for line in body if line.x0 >= hi - 1)
    return left >= 3 and right >= 3


def reading_key(
    x0: float, y0: float, x1: float, y1: float, gutters: list[tuple[float, float]], spans: list[float]
) -> tuple[int, int, float]:
    """Sort key giving reading order: band between full-width items, then column, then height."""
    crosses = any(x0 < lo - 2 and x1 > hi + 2 for lo, hi in gutters)
    if crosses:
        above = sum(1 for bottom in spans if bottom < y0 - 0.5)
        return (above, len(gutters) + 1, y0)
    band = sum(1 for bottom in spans if bottom <= y0 + 0.5)
    center = (x0 + x1) / 2
    column = sum(1 for lo, hi in gutters if center >= (lo + hi) / 2)
    return (band, column, y0)


def order_page(page: PageContent, lines: list[Line]) -> PageLayout:
    """Put the lines and drawings of a page in reading order (column by column)."""
    gutters = find_gutters(lines)
    boxes = [box for box in page.graphics if _is_content_graphic(box, page) and not _is_container(box, lines)]
    items = [(line.x0, line.y0, line.x1, line.y1) for line in lines if not line.furniture]
    items += [(box.x0, box.y0, box.x1, box.y1) for box in boxes]
    spans = sorted(y1 for x0, _, x1, y1 in items if any(x0 < lo - 2 and x1 > hi + 2 for lo, hi in gutters))
    for line in lines:
        line.key = reading_key(line.x0, line.y0, line.x1, line.y1, gutters, spans)
        line.column = min(line.key[1], len(gutters))
    lines.sort(key=lambda line: line.key)
    graphics = [(reading_key(b.x0, b.y0, b.x1, b.y1, gutters, spans), b) for b in boxes]
    return PageLayout(page, lines, gutters, graphics)


def _is_content_graphic(box: Box, page: PageContent) -> bool:
    """Drawings that are figures: not rules, bullets, page backgrounds or margin decorations.

    PDFium rounds bounds out to whole points, so a rule up to 2 pt thick measures 2 pt across.
    """
    width, height = box.x1 - box.x0, box.y1 - box.y0
    if min(width, height) <= 2 or max(width, height) < 8:
        return False
    if width * height > 0.7 * page.width * page.height:
        return False
    if box.x1 <= 0 or box.y1 <= 0 or box.x0 >= page.width or box.y0 >= page.height:
        return False
    return not (box.y1 <= _TOP_ZONE * page.height or box.y0 >= _BOTTOM_ZONE * page.height)


def _is_container(box: Box, lines: list[Line]) -> bool:
    """A box around much of the page's text (a wrapping form, a frame) is not a figure."""
    inside = sum(1 for line in lines if box.holds(line))
    return inside >= 5 and inside >= 0.3 * len(lines)


# The whole document.


def analyse(pages: list[PageContent]) -> Analysis:
    """Lines, furniture, reading order and headings of all pages, reduced to the layout facts."""
    lines_by_page = [build_lines(page) for page in pages]
    for lines in lines_by_page:
        mark_line_numbers(lines)
    all_lines = [line for lines in lines_by_page for line in lines if not line.furniture]
    body_size, _ = dominant_size(all_lines)
    if body_size is not None:
        mark_running_heads(pages, lines_by_page, body_size)
    layouts = [order_page(page, lines) for page, lines in zip(pages, lines_by_page, strict=True)]
    textless = [p for p in pages if not p.fragments]
    image_only = [p.number for p in textless if _shows_something(p)]
    blank = [p.number for p in textless if not _shows_something(p)]
    references = appendix = None
    body_lines = [line for lines in lines_by_page for line in lines if not line.furniture]
    body_layouts = layouts
    if body_size is not None:
        pitch = line_pitch(layouts, body_size)
        found = find_heading(layouts, body_size, pitch)
        label = None
        if not found:
            found = find_reference_list(layouts)
            label = "{} (no heading)"
        if found:
            layout, heading = found
            text = label.format(heading.text.split()[0]) if label else heading.text
            references = Heading(page=heading.page, heading=text, body_above=content_above(layout, heading))
            body_layouts = layouts[: heading.page]
            body_lines = [line for lay in body_layouts for line in lay.lines if not line.furniture]
            body_lines = [line for line in body_lines if line.page < heading.page or line.key < heading.key]
            appendix = find_appendix(layouts, body_size, pitch, heading)
    size, sizes = dominant_size(body_lines or all_lines)
    return Analysis(
        body_font_pt=size,
        font_sizes=sizes,
        columns=_columns(body_layouts),
        margins_pt=_margins(body_layouts),
        references=references,
        appendix=appendix,
        image_only_pages=image_only,
        blank_pages=blank,
    )


def _shows_something(page: PageContent) -> bool:
    """An image, or a drawing that is a figure; frames, rules and backgrounds alone show nothing."""
    return page.images > 0 or any(_is_content_graphic(box, page) for box in page.graphics)


def _columns(layouts: list[PageLayout]) -> int | None:
    counts = Counter(
        len(layout.gutters) + 1
        for layout in layouts
        if sum(1 for line in layout.lines if not line.furniture) >= 10
    )
    if not counts:
        return 1 if any(layout.lines for layout in layouts) else None
    return counts.most_common(1)[0][0]


def _margins(layouts: list[PageLayout]) -> Margins | None:
    found: list[Margins] = []
    for layout in layouts:
        lines = [line for line in layout.lines if not line.furniture]
        if not lines:
            continue
        page = layout.content
        found.append(
            Margins(
                left=round(min(line.x0 for line in lines), 1),
                right=round(page.width - max(line.x1 for line in lines), 1),
                top=round(min(line.y0 for line in lines), 1),
                bottom=round(page.height - max(line.y1 for line in lines), 1),
            )
        )
    if not found:
        return None
    return Margins(
        left=min(m.left for m in found),
        right=min(m.right for m in found),
        top=min(m.top for m in found),
        bottom=min(m.bottom for m in found),
    )
