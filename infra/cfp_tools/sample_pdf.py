"""A plain sample abstract for trying the stack by hand: ``cfp sample-pdf --body-pages 2 > abstract.pdf``.

Letter pages in Times: a title and body text on ``body_pages`` pages, then a ``References`` heading opening
the next page and numbered references, which is the layout the format checker counts body pages by.
With ``scanned`` every page is a picture of text instead (no text layer), as a scanned abstract is.
Built with reportlab, a development dependency, imported only when a sample is made.
"""

from __future__ import annotations

import io
import random
from typing import Any

_TEXT = (
    "poster abstract method results sample analysis model data we show that the of and in for with "
    "measured under conditions significant increase observed across experiments compared baseline"
)
_WORDS = _TEXT.split()


def sample_abstract(body_pages: int, reference_pages: int = 1, seed: int = 1, scanned: bool = False) -> bytes:
    """The PDF bytes of an abstract with ``body_pages`` pages before its references."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen.canvas import Canvas

    words = random.Random(seed)  # noqa: S311 - reproducible filler text, not a secret
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=letter, invariant=1)
    width, height = letter
    margin, size = 72.0, 10.0

    def fill(top: float, numbered: bool) -> None:
        canvas.setFont("Times-Roman", size)
        y, number = top, 1
        while y >= margin:
            line = [f"[{number}]"] if numbered else []
            while stringWidth(" ".join(line), "Times-Roman", size) < width - 2 * margin - 60:
                line.append(words.choice(_WORDS))
            canvas.drawString(margin, y, " ".join(line))
            y, number = y - 1.2 * size, number + 1

    for page in range(body_pages + reference_pages):
        if scanned:
            _scanned_page(canvas, width, height, words)
            canvas.showPage()
            continue
        top = height - margin
        if page == 0:
            canvas.setFont("Times-Bold", 16)
            canvas.drawString(margin, top - 16, "A Sample Poster Abstract")
            top -= 40
        if page == body_pages:
            canvas.setFont("Times-Bold", 12)
            canvas.drawString(margin, top - 12, "References")
            top -= 30
        fill(top - size, numbered=page >= body_pages)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _scanned_page(canvas: Any, width: float, height: float, rng: random.Random) -> None:
    """A greyscale picture of a page of text lines, with no text a PDF reader could extract."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader

    image = Image.new("L", (425, 550), 236)
    draw = ImageDraw.Draw(image)
    for y in range(60, 490, 9):
        draw.rectangle((50, y, 375 - rng.randrange(0, 80), y + 4), fill=70)
    picture = io.BytesIO()
    image.save(picture, format="PNG")
    picture.seek(0)
    canvas.drawImage(ImageReader(picture), 0, 0, width, height)
