"""Reading a poster: its structure and page sizes as for an abstract, then, on its first page, the fonts it
draws visible text in without carrying them, and each image with its resolution where it is drawn (PDFium).

No text layout is analysed: a poster is judged on its shape, fonts and images. Runs in the isolated child
only, like ``extract``.
"""

from __future__ import annotations

import ctypes
from typing import Any

from cfp.formatcheck.extract import open_document, page_sizes, pdfium_error
from cfp.formatcheck.models import Budget, Facts, ImageFact

_MAX_FONTS = 40
_MAX_IMAGES = 200
_MAX_TEXT_OBJECTS = 20_000


def measure_poster_in_process(data: bytes, budget: Budget, facts: Facts) -> Facts:
    """Fill ``facts`` from a poster. Exceptions mean unreadable input."""
    document = open_document(data, budget, facts)
    if document is None:
        return facts
    try:
        count = len(document)
        facts.pages = count
        if count == 0:
            facts.error = "the PDF has no pages"
            return facts
        facts.opened = True
        facts.page_sizes = page_sizes(document, count)
        facts.paper = facts.page_sizes[0] if facts.page_sizes else None
        try:
            first = document[0]
            facts.images = _images(first)
            facts.fonts_not_embedded = _fonts_not_embedded(first)
        except pdfium_error() as exc:
            facts.structural_warnings.append(f"page 1 cannot be loaded: {exc}"[:300])
    finally:
        document.close()
    return facts


def _images(page: Any) -> list[ImageFact]:
    import pypdfium2.raw as raw

    found: list[ImageFact] = []
    for image in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE]):
        if len(found) >= _MAX_IMAGES:
            break
        metadata = image.get_metadata()
        dpi = min(metadata.horizontal_dpi, metadata.vertical_dpi)
        if dpi <= 0:
            continue
        left, bottom, right, top = image.get_bounds()
        found.append(ImageFact(page=1, left=left, bottom=bottom, right=right, top=top, dpi=round(dpi, 1)))
    return found


def _fonts_not_embedded(page: Any) -> list[str]:
    """The fonts the first page draws visible text in without carrying them, by name (subset tag dropped)."""
    import pypdfium2.raw as raw

    missing: set[str] = set()
    seen: set[int] = set()
    for count, text in enumerate(page.get_objects(filter=[raw.FPDF_PAGEOBJ_TEXT])):
        if count >= _MAX_TEXT_OBJECTS or len(missing) >= _MAX_FONTS:
            break
        if raw.FPDFTextObj_GetTextRenderMode(text.raw) == raw.FPDF_TEXTRENDERMODE_INVISIBLE:
            continue
        font = raw.FPDFTextObj_GetFont(text.raw)
        address = ctypes.cast(font, ctypes.c_void_p).value or 0
        if not font or address in seen:
            continue
        seen.add(address)
        if not raw.FPDFFont_GetIsEmbedded(font):
            missing.add(_font_name(font))
    return sorted(missing)


def _font_name(font: Any) -> str:
    import pypdfium2.raw as raw

    size = raw.FPDFFont_GetBaseFontName(font, None, 0)
    if size <= 1:
        return "unnamed"
    buffer = ctypes.create_string_buffer(size)
    raw.FPDFFont_GetBaseFontName(font, buffer, size)
    return buffer.value.decode("utf-8", "replace").split("+")[-1] or "unnamed"
