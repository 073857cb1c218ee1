"""Posters as real programs export them, for the tests, the benchmark and the demo: a page of any size (or
several), a title and body in an embedded TrueType font or in a standard font the file does not carry, and
photographs of a chosen resolution placed where a layout puts them.

``SHAPES`` holds the sizes posters really come in: A0 and A1, PowerPoint's 48 x 36 in and 36 x 48 in, and
the US E-size sheet (ANSI E, 34 x 44 in).
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field

from PIL import Image, ImageDraw
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

MM = 72 / 25.4
INCH = 72.0
SHAPES: dict[str, tuple[float, float]] = {
    "A0 portrait": (841 * MM, 1189 * MM),
    "A0 landscape": (1189 * MM, 841 * MM),
    "A1 portrait": (594 * MM, 841 * MM),
    "A4 portrait": (210 * MM, 297 * MM),
    "PowerPoint 48 x 36 in": (48 * INCH, 36 * INCH),
    "PowerPoint 36 x 48 in": (36 * INCH, 48 * INCH),
    "US E-size 34 x 44 in": (34 * INCH, 44 * INCH),
}
_EMBEDDED = "PosterSans"


@dataclass
class Photo:
    """An image of ``pixels`` drawn over the box (fractions of the page: left, bottom, width, height)."""

    pixels: tuple[int, int] = (1200, 800)
    box: tuple[float, float, float, float] = (0.1, 0.4, 0.8, 0.3)
    # Noise compresses as badly as a photograph does, so the file is as large as a real poster's.
    noisy: bool = False


@dataclass
class PosterLayout:
    size: tuple[float, float] = SHAPES["A0 portrait"]
    pages: int = 1
    embed_fonts: bool = True
    photos: list[Photo] = field(default_factory=list)
    title: str = "Warm starts for serverless inference"


def make_poster(layout: PosterLayout | None = None) -> bytes:
    """A poster PDF as ``layout`` says."""
    layout = layout or PosterLayout()
    if _EMBEDDED not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(_EMBEDDED, "Vera.ttf"))
    width, height = layout.size
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width, height))
    font = _EMBEDDED if layout.embed_fonts else "Helvetica"
    for page in range(layout.pages):
        canvas.setFont(font, height / 30)
        canvas.drawString(width * 0.08, height * 0.92, layout.title if page == 0 else f"Page {page + 1}")
        canvas.setFont(font, height / 90)
        for line in range(12):
            canvas.drawString(width * 0.08, height * (0.85 - line * 0.03), "Results, methods and findings.")
        for photo in layout.photos if page == 0 else []:
            left, bottom, box_width, box_height = photo.box
            canvas.drawImage(
                ImageReader(_photo(photo.pixels, photo.noisy)),
                width * left,
                height * bottom,
                width=width * box_width,
                height=height * box_height,
            )
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _photo(pixels: tuple[int, int], noisy: bool = False) -> Image.Image:
    if noisy:
        noise = random.Random(pixels[0]).randbytes(pixels[0] * pixels[1] * 3)  # noqa: S311 - not a secret
        return Image.frombytes("RGB", pixels, noise)
    image = Image.new("RGB", pixels, (40, 90, 160))
    draw = ImageDraw.Draw(image)
    for step in range(0, pixels[0], max(1, pixels[0] // 12)):
        draw.line([(step, 0), (pixels[0] - step, pixels[1])], fill=(230, 180, 40), width=3)
    return image


def photo_at_dpi(
    dpi: float, box: tuple[float, float, float, float], size: tuple[float, float], noisy: bool = False
) -> Photo:
    """A photo with as many pixels as ``dpi`` gives over ``box`` on a page of ``size`` (points)."""
    width_in = size[0] * box[2] / INCH
    height_in = size[1] * box[3] / INCH
    return Photo(pixels=(max(1, round(width_in * dpi)), max(1, round(height_in * dpi))), box=box, noisy=noisy)
