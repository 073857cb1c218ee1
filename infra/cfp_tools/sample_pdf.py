"""A plain sample abstract for trying the stack by hand: ``cfp sample-pdf --body-pages 2 > abstract.pdf``.

Letter pages in Times: a title and body text on ``body_pages`` pages, then a ``References`` heading opening
the next page and numbered references, which is the layout the format checker counts body pages by.
Built with reportlab, a development dependency, imported only when a sample is made.
"""

from __future__ import annotations

import io
import random

_TEXT = (
    "poster abstract method results sample analysis model data we show that the of and in for with "
    "measured under conditions significant increase observed across experiments compared baseline"
)
_WORDS = _TEXT.split()


def sample_abstract(body_pages: int, reference_pages: int = 1, seed: int = 1) -> bytes:
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
