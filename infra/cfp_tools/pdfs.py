"""Every PDF the project generates: for the tests, `cfp sample-pdf`, `cfp demo` and the benchmarks.

`make_abstract(body_pages, reference_pages, columns)` gives a plain abstract: body text fills
`body_pages` pages, the references heading opens page `body_pages + 1` and the references fill
`reference_pages` pages (with `reference_pages=0` the heading follows the body on the last body
page). `AbstractLayout` exposes the variations real templates produce: paper, font size and margins,
heading spellings, small caps and letter spacing, running heads, page and line numbers, figures, columns
drawn out of order, reference lists with no heading, numbered lists in the body that are not references,
and scans (pictures of text with no text layer). `make_textless` gives pages with no text; the hostile
builders below give broken, encrypted, active or oversized files, and `not_a_pdf` a Word file sent as a
PDF. Built with reportlab and pikepdf; reportlab comes with the `dev` extra, which installs these tools.
"""

from __future__ import annotations

import io
import random
import zlib
from dataclasses import dataclass
from typing import Literal

import pikepdf
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

_TEXT = (
    "poster abstract method results sample analysis protein model data we show that the of and in "
    "for with measured under conditions significant increase observed across experiments compared "
    "baseline approach novel framework structure function cells network signal response study "
    "field temperature pressure samples were collected from sites during summer"
)
_WORDS = _TEXT.split()
_NAMES = ("Smith", "Garcia", "Chen", "Okafor", "Novak", "Rossi", "Tanaka", "Dubois", "Silva", "Haddad")

HeadingPlace = Literal["top", "middle", "right_column"]
Numbering = Literal["bracket", "dotted"]


@dataclass
class AbstractLayout:
    """What the generated abstract looks like; defaults give a plain one-column letter abstract."""

    body_pages: int = 1
    reference_pages: int = 1
    columns: int = 1
    heading: str = "References"
    heading_font: str = "Times-Bold"
    heading_size: float | None = None
    small_caps: bool = False
    letter_spacing: float = 0.0
    centered_heading: bool = False
    run_in: bool = False
    heading_place: HeadingPlace | None = None
    running_head: str | None = None
    page_numbers: bool = False
    line_numbers: bool = False
    figure_above_heading: bool = False
    figure_label: str | None = None
    reversed_columns: bool = False
    appendix_pages: int = 0
    image_page: bool = False
    paper: tuple[float, float] = letter
    font_size: float = 10.0
    margin: float = 72.0
    acknowledgments_above_heading: bool = False
    numbering: Numbering = "bracket"
    citations: bool = False
    with_references: bool = True
    body_list: int = 0
    body_list_at_end: bool = False
    balanced_columns: bool = False
    justified_references: bool = False
    scanned: bool = False
    seed: int = 7


def make_abstract(
    body_pages: int, reference_pages: int = 1, columns: int = 1, seed: int = 7, scanned: bool = False
) -> bytes:
    """An abstract with `body_pages` pages before the references and `reference_pages` after; a scan
    of one with `scanned` (every page a picture of text, nothing a reader could extract)."""
    layout = AbstractLayout(
        body_pages=body_pages, reference_pages=reference_pages, columns=columns, seed=seed, scanned=scanned
    )
    return render(layout)


def render(layout: AbstractLayout) -> bytes:
    """The PDF bytes for `layout`."""
    return _Writer(layout).write()


class _Writer:
    def __init__(self, layout: AbstractLayout) -> None:
        self.layout = layout
        self.buffer = io.BytesIO()
        self.canvas = Canvas(self.buffer, pagesize=layout.paper, pageCompression=1, invariant=1)
        self.width, self.height = layout.paper
        self.page = 0
        self.rng = random.Random(layout.seed)  # noqa: S311 - reproducible filler text, not a secret
        self.leading = layout.font_size * 1.2
        self.run_in_pending = layout.run_in
        self.reference_number = 0

    # Geometry.

    def column_boxes(self) -> list[tuple[float, float]]:
        layout = self.layout
        usable = self.width - 2 * layout.margin
        gap = 18.0
        width = (usable - gap * (layout.columns - 1)) / layout.columns
        return [(layout.margin + i * (width + gap), width) for i in range(layout.columns)]

    def lines_per_column(self) -> int:
        return int((self.height - 2 * self.layout.margin) / self.leading)

    # Text.

    def sentence_line(self, width: float, font: str = "Times-Roman", size: float | None = None) -> str:
        size = size or self.layout.font_size
        words: list[str] = []
        while True:
            word = self.rng.choice(_WORDS)
            if stringWidth(" ".join([*words, word]), font, size) > width:
                return " ".join(words)
            words.append(word)

    def write(self) -> bytes:
        layout = self.layout
        place = layout.heading_place or ("top" if layout.reference_pages else "middle")
        total = layout.body_pages + layout.reference_pages
        if place != "top":
            total = max(total, layout.body_pages)
        if layout.scanned:
            for number in range(1, total + 1):
                self.start_page(number, furniture=False)
                self.picture(0, self.width, self.height)
                self.canvas.showPage()
            self.canvas.save()
            return self.buffer.getvalue()
        for number in range(1, total + 1):
            self.start_page(number)
            if number < layout.body_pages or (number == layout.body_pages and place == "top"):
                self.body_page(first=number == 1)
            elif number == layout.body_pages:
                self.split_page(place, first=number == 1)
            elif number == layout.body_pages + 1 and place == "top":
                self.heading_page()
            else:
                self.reference_page()
            self.canvas.showPage()
        for _ in range(layout.appendix_pages):
            self.start_page(self.page + 1)
            cursor = self.heading(self.column_boxes()[0], self.height - layout.margin, "Appendix A")
            self.fill_column(self.column_boxes()[0], cursor, self.layout.margin)
            self.canvas.showPage()
        if layout.image_page:
            self.start_page(self.page + 1, furniture=False)
            self.picture(36, self.width - 72, self.height - 72)
            self.canvas.showPage()
        self.canvas.save()
        return self.buffer.getvalue()

    def start_page(self, number: int, furniture: bool = True) -> None:
        self.page = number
        if not furniture:
            return
        layout = self.layout
        if layout.running_head:
            self.canvas.setFont("Times-Italic", 8)
            self.canvas.drawString(layout.margin, self.height - layout.margin / 2, layout.running_head)
        if layout.page_numbers:
            self.canvas.setFont("Times-Roman", 9)
            self.canvas.drawCentredString(self.width / 2, layout.margin / 2, str(number))

    def body_page(self, first: bool) -> None:
        top = self.height - self.layout.margin
        if first:
            top = self.title(top)
        columns = self.column_boxes()
        if first and self.layout.body_list and not self.layout.body_list_at_end:
            top = self.contributions(columns[0], top)
        order = list(reversed(columns)) if self.layout.reversed_columns else columns
        if first and self.layout.figure_label:
            self.labelled_figure(columns[0], top - 100)
            self.fill_column(columns[0], top - 200, self.layout.margin)
            order = [column for column in order if column != columns[0]]
        for column in order:
            self.fill_column(column, top, self.layout.margin)

    def split_page(self, place: HeadingPlace, first: bool) -> None:
        """Last body page: body text, then the heading in the middle or in the right column."""
        layout = self.layout
        top = self.height - layout.margin
        if first:
            top = self.title(top)
        columns = self.column_boxes()
        if place == "right_column" and len(columns) > 1:
            steps = [(columns[-1], "refs"), *[(col, "body") for col in columns[:-1]]]
            if not layout.reversed_columns:
                steps.reverse()
            for column, kind in steps:
                if kind == "body":
                    self.fill_column(column, top, layout.margin)
                else:
                    self.references(column, self.heading(column, top, layout.heading), layout.margin)
            return
        middle = (top + layout.margin) / 2
        for column in columns:
            self.fill_column(column, top, middle)
        cursor = middle - self.leading
        if layout.body_list and layout.body_list_at_end:
            cursor = self.contributions(columns[0], cursor)
        if not layout.with_references:
            return
        if layout.acknowledgments_above_heading:
            cursor = self.heading(columns[0], cursor, "Acknowledgments")
            cursor = self.fill_column(columns[0], cursor, cursor - 2 * self.leading)
        cursor = self.heading(columns[0], cursor, layout.heading)
        self.references(columns[0], cursor, layout.margin)
        if layout.balanced_columns:
            for column in columns[1:]:
                self.references(column, middle - self.leading, layout.margin)

    def heading_page(self) -> None:
        layout = self.layout
        column = self.column_boxes()[0]
        top = self.height - layout.margin
        if layout.figure_above_heading:
            self.figure(column, top, 150)
            top -= 150 + 2 * self.leading
        cursor = self.heading(column, top, layout.heading)
        self.references(column, cursor, layout.margin)
        for other in self.column_boxes()[1:]:
            self.references(other, self.height - layout.margin, layout.margin)

    def reference_page(self) -> None:
        for column in self.column_boxes():
            self.references(column, self.height - self.layout.margin, self.layout.margin)

    def title(self, top: float) -> float:
        self.canvas.setFont("Times-Bold", 16)
        self.canvas.drawCentredString(self.width / 2, top - 16, "A Poster Abstract With a Known Layout")
        self.canvas.setFont("Times-Roman", 11)
        self.canvas.drawCentredString(self.width / 2, top - 34, "A. Author and B. Author, Example University")
        return top - 56

    def fill_column(self, column: tuple[float, float], top: float, bottom: float) -> float:
        x, width = column
        y = top - self.layout.font_size
        self.canvas.setFont("Times-Roman", self.layout.font_size)
        while y >= bottom:
            self.canvas.drawString(x, y, self.sentence_line(width))
            if self.layout.line_numbers:
                self.canvas.setFont("Times-Roman", 7)
                self.canvas.drawRightString(x - 8, y, str(self.rng.randint(1, 999)))
                self.canvas.setFont("Times-Roman", self.layout.font_size)
            y -= self.leading
        return y + self.layout.font_size

    def heading(self, column: tuple[float, float], top: float, text: str) -> float:
        """Draw a heading below `top`; return the top of the next line."""
        layout = self.layout
        x, width = column
        size = layout.heading_size or layout.font_size + 1
        y = top - size - 0.5 * self.leading
        if not text or (self.run_in_pending and text == layout.heading):
            return top
        text_object = self.canvas.beginText()
        text_object.setCharSpace(layout.letter_spacing)
        if layout.small_caps:
            text_object.setTextOrigin(x, y)
            text_object.setFont(layout.heading_font, size)
            text_object.textOut(text[0])
            text_object.setFont(layout.heading_font, size * 0.8)
            text_object.textOut(text[1:].upper())
        else:
            shown = stringWidth(text, layout.heading_font, size) + layout.letter_spacing * len(text)
            start = x + (width - shown) / 2 if layout.centered_heading else x
            text_object.setTextOrigin(start, y)
            text_object.setFont(layout.heading_font, size)
            text_object.textOut(text)
        text_object.setCharSpace(0)
        self.canvas.drawText(text_object)
        return y - 0.5 * self.leading

    def references(self, column: tuple[float, float], top: float, bottom: float) -> None:
        x, width = column
        size = self.layout.font_size - 1
        y = top - size
        while y >= bottom:
            lines = self.entry(self.reference_number + 1, width, size)
            if y - (len(lines) - 1) * size * 1.2 < bottom:
                return
            self.canvas.setFont("Times-Roman", size)
            for index, (indent, text) in enumerate(lines):
                if index == 0 and self.layout.justified_references:
                    self.spread(x + indent, y, width - indent, text.split()[:6], size)
                else:
                    self.canvas.drawString(x + indent, y, text)
                y -= size * 1.2
            self.reference_number += 1

    def spread(self, x: float, y: float, width: float, words: list[str], size: float) -> None:
        """Words spread over the whole line, as justified text sets a line with few words: the
        spaces get wider than a character height."""
        used = sum(stringWidth(word, "Times-Roman", size) for word in words)
        space = (width - used) / max(1, len(words) - 1)
        for word in words:
            self.canvas.drawString(x, y, word)
            x += stringWidth(word, "Times-Roman", size) + space

    def label(self, number: int) -> str:
        return f"[{number}] " if self.layout.numbering == "bracket" else f"{number}. "

    def entry(self, number: int, width: float, size: float) -> list[tuple[float, str]]:
        """The lines of one reference as (indent, text); citations wrap under a hanging indent."""
        prefix = self.label(number)
        if self.run_in_pending:
            prefix = f"{self.layout.heading}: {prefix}"
            self.run_in_pending = False
        if not self.layout.citations:
            return [(0.0, prefix + self.sentence_line(width - 30, size=size))]
        indent = stringWidth(prefix, "Times-Roman", size)
        names = self.rng.sample(_NAMES, 2)
        title = self.sentence_line(width - indent - 120, size=size).capitalize()
        year = self.rng.randint(1995, 2024)
        journal = (
            f"J. {self.rng.choice(_WORDS).capitalize()} {self.rng.randint(1, 99)}, {self.rng.randint(1, 999)}"
        )
        return [
            (0.0, f"{prefix}{names[0][0]}. {names[0]} and {names[1][0]}. {names[1]}, {title},"),
            (indent, f"{journal} ({year})."),
        ]

    def contributions(self, column: tuple[float, float], top: float) -> float:
        """A numbered list of contributions in the body, as some abstracts have; returns its bottom."""
        x, width = column
        size = self.layout.font_size
        y = top - size - 0.5 * self.leading
        self.canvas.setFont("Times-Roman", size)
        for number in range(1, self.layout.body_list + 1):
            prefix = self.label(number)
            indent = stringWidth(prefix, "Times-Roman", size)
            self.canvas.drawString(x, y, f"{prefix}We {self.sentence_line(width - indent - 20)}")
            self.canvas.drawString(x + indent, y - self.leading, self.sentence_line(width - indent))
            y -= 2 * self.leading
        return y + size - 0.5 * self.leading

    def figure(self, column: tuple[float, float], top: float, height: float) -> None:
        """A vector drawing with no text: a frame and bars."""
        x, width = column
        self.canvas.rect(x, top - height, width * 0.8, height)
        for index in range(6):
            bar = (index + 1) * height / 8
            self.canvas.rect(x + 20 + index * 40, top - height + 5, 25, bar, fill=1)

    def labelled_figure(self, column: tuple[float, float], top: float) -> None:
        """A boxed diagram whose label reads like a heading, with body text above and below."""
        x, width = column
        self.fill_column(column, top + 100, top + 10)
        self.canvas.rect(x + 40, top - 80, width - 80, 80)
        self.canvas.rect(x + 60, top - 60, 80, 20)
        self.canvas.setFont("Helvetica-Bold", self.layout.font_size + 1)
        self.canvas.drawString(x + 64, top - 34, self.layout.figure_label or "")

    def picture(self, inset: float, width: float, height: float) -> None:
        """A greyscale picture of a page of text lines, as a scanner makes: no text a reader could extract."""
        image = Image.new("L", (425, 550), 236)
        draw = ImageDraw.Draw(image)
        for y in range(60, 490, 9):
            draw.rectangle((50, y, 375 - self.rng.randrange(0, 80), y + 4), fill=70)
        data = io.BytesIO()
        image.save(data, format="PNG")
        data.seek(0)
        self.canvas.drawImage(ImageReader(data), inset, inset, width, height)


Drawing = Literal["none", "rules", "figure"]


def make_textless(pages: int = 2, drawing: Drawing = "none") -> bytes:
    """Letter pages without text: empty, ruled like a blank template (a frame and hairlines), or
    each with one vector figure (bars in a frame, as a chart drawn without labels)."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=letter, invariant=True)
    width, height = letter
    for _ in range(pages):
        if drawing == "rules":
            canvas.rect(36, 36, width - 72, height - 72)
            for y in range(120, int(height) - 100, 24):
                canvas.line(72, y, width - 72, y)
        elif drawing == "figure":
            canvas.rect(100, 300, 400, 250)
            for index in range(6):
                canvas.rect(120 + index * 60, 310, 40, 30 * (index + 1), fill=1)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def not_a_pdf() -> bytes:
    """A Word document named and sent as a PDF."""
    return b"PK\x03\x04 word/document.xml: Dear committee, please find my poster abstract attached.\n" * 40


# Hostile and broken files, built from an abstract or from scratch with pikepdf.


def encrypted(user_password: str = "secret", owner_password: str = "owner") -> bytes:  # noqa: S107
    """A valid abstract that needs `user_password` to open."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(make_abstract(1))) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(user=user_password, owner=owner_password))
    return out.getvalue()


def with_javascript() -> bytes:
    """An abstract that runs JavaScript when opened and carries an attachment."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(make_abstract(1))) as pdf:
        pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
        pdf.attachments["data.bin"] = pikepdf.AttachedFileSpec(pdf, b"payload")
        pdf.save(out)
    return out.getvalue()


def many_pages(count: int) -> bytes:
    """A text-free document with `count` blank pages."""
    pdf = pikepdf.new()
    for _ in range(count):
        pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def broken_xref() -> bytes:
    """An abstract whose cross-reference offsets are all wrong (readers must reconstruct it)."""
    data = make_abstract(1)
    start = data.rindex(b"\nxref") + 1
    table = data[start:]
    shifted = bytearray(table)
    for index in range(len(shifted) - 12):
        if shifted[index : index + 1].isdigit() and shifted[index + 10 : index + 12] == b" 0":
            shifted[index : index + 10] = b"%010d" % 3
    return data[:start] + bytes(shifted)


def miscounted_page_tree() -> bytes:
    """A page tree whose /Count claims more pages than it holds."""
    data = make_abstract(1)
    return data.replace(b"/Count 2", b"/Count 9", 1)


def decompression_bomb(megabytes: int = 1024) -> bytes:
    """A page whose content stream inflates to `megabytes` of text-showing operators."""
    chunk = b"BT /F1 1 Tf (x) Tj ET\n" * 4096
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(chunk) for _ in range(megabytes * 1024 * 1024 // len(chunk))]
    stream = b"".join(parts) + compressor.flush()
    pdf = pikepdf.new()
    pdf.add_blank_page()
    page = pdf.pages[0]
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.Contents = pdf.make_stream(stream, Filter=pikepdf.Name.FlateDecode)
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return out.getvalue()


def emptied_pages() -> bytes:
    """An abstract whose page contents were damaged in transfer: each stream claims to be
    compressed but holds noise, so readers repair the file and show empty pages."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(make_abstract(1))) as pdf:
        for page in pdf.pages:
            page.Contents = pdf.make_stream(b"\x8a\x13 not deflate data \xff" * 20)
            page.Contents.Filter = pikepdf.Name.FlateDecode
        pdf.save(out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return out.getvalue()
