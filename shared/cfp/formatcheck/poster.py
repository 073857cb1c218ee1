"""Judging a poster's facts under a ``PosterSpec``. Pure: no I/O, no PDF libraries.

A poster must be one page of the shape the call asks for. The printer scales, so a page of the same shape
at another size (A4 for an A0 call) passes with a note; another shape or the other orientation fails with
the size to set. Fonts the file does not carry and images too coarse for the printed size are warnings:
the poster prints, but maybe not as its authors see it.
"""

from __future__ import annotations

from cfp.formatcheck.judgement import Problems, fatal, structure, verdict
from cfp.formatcheck.models import Facts, ImageFact, Paper, PosterSpec, Verdict

MM_PER_PT = 25.4 / 72
# Images drawn smaller than this share of the page (a logo, an icon) are not judged for sharpness.
_SMALLEST_JUDGED_SHARE = 0.002
_NAMED_IMAGES = 5


def judge_poster(facts: Facts, spec: PosterSpec) -> Verdict:
    """The verdict for a poster's ``facts`` under ``spec``."""
    problems = Problems(spec)
    if fatal(facts, spec, problems, what="poster"):
        return verdict(facts, problems, None)
    structure(facts, problems, what="a poster")
    notes: list[str] = []
    if facts.pages is not None and facts.pages != 1:
        problems.add(
            "poster_pages",
            f"The PDF has {facts.pages} pages; a poster is exactly one page. Export only the poster's "
            "page (in PowerPoint or Keynote, export the current slide only).",
            facts.pages,
            1,
        )
    first = _first_page(facts)
    if first is not None:
        scale = _size(first, spec, problems, notes)
        _fonts(facts, problems)
        _images(facts, first, spec, scale, problems)
    judged = verdict(facts, problems, None)
    return judged.model_copy(update={"notes": notes})


def _first_page(facts: Facts) -> Paper | None:
    return next((size for size in facts.page_sizes if 1 in size.pages), facts.paper)


def _millimetres(page: Paper) -> tuple[float, float]:
    return page.width_pt * MM_PER_PT, page.height_pt * MM_PER_PT


def _shown(width: float, height: float) -> str:
    return f"{width:.0f} \u00d7 {height:.0f} mm"


def _size(page: Paper, spec: PosterSpec, problems: Problems, notes: list[str]) -> float:
    """Judge the page's size and orientation; the factor printing at the call's size scales it by."""
    width, height = _millimetres(page)
    shown = _shown(width, height)
    scale = spec.width_mm / width if width else 1.0
    close = spec.shape_tolerance
    target = f"{spec.width_mm:g} \u00d7 {spec.height_mm:g} mm"
    if (
        abs(width - spec.width_mm) <= close * spec.width_mm
        and abs(height - spec.height_mm) <= close * spec.height_mm
    ):
        return 1.0
    page_landscape = width > height * (1 + close)
    page_portrait = height > width * (1 + close)
    if (spec.landscape and page_portrait) or (not spec.landscape and page_landscape):
        turned = "landscape" if page_landscape else "portrait"
        wanted = "landscape" if spec.landscape else "portrait"
        problems.add(
            "poster_orientation",
            f"The poster is {turned} ({shown}); the call asks for {spec.describe()}. Lay it out {wanted}: "
            f"set the page (or slide) size to {target} and export again.",
            shown,
            spec.describe(),
        )
        return scale
    ratio, wanted_ratio = height / width, spec.height_mm / spec.width_mm
    if abs(ratio - wanted_ratio) <= close * wanted_ratio:
        notes.append(
            f"The poster is {shown}, the shape of {spec.label} at {100 / scale:.0f}% of its size: it will be "
            f"printed scaled to {target}. Make sure its images stay sharp at that size."
        )
        return scale
    problems.add(
        "poster_size",
        f"The poster is {shown}; the call asks for {spec.describe()}, or the same shape at another scale. "
        f"Set the page (or slide) size to {target} and export again.",
        shown,
        spec.describe(),
    )
    return scale


def _fonts(facts: Facts, problems: Problems) -> None:
    missing = facts.fonts_not_embedded
    if not missing:
        return
    named = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
    problems.add(
        "fonts_not_embedded",
        f"{'A font is' if len(missing) == 1 else f'{len(missing)} fonts are'} not embedded ({named}): the "
        "printer will substitute another and the text may move. Export the PDF with all fonts embedded "
        "(PDF/A, or the 'embed fonts' option of your program).",
        len(missing),
        0,
    )


def _images(facts: Facts, page: Paper, spec: PosterSpec, scale: float, problems: Problems) -> None:
    """Images that would print below the call's resolution at the printed size, named by where they are."""
    area = page.width_pt * page.height_pt
    coarse = sorted(
        (
            (image.dpi / scale, image)
            for image in facts.images
            if image.page == 1
            and (image.right - image.left) * (image.top - image.bottom) >= _SMALLEST_JUDGED_SHARE * area
            and image.dpi / scale < spec.min_dpi
        ),
        key=lambda pair: pair[0],
    )
    if not coarse:
        return
    named = [
        f"the one {_position(image, page)} ({printed:.0f} dpi)" for printed, image in coarse[:_NAMED_IMAGES]
    ]
    more = len(coarse) - len(named)
    listed = ", ".join(named[:-1]) + (" and " if len(named) > 1 else "") + named[-1]
    listed += f", and {more} more" if more else ""
    count = "An image" if len(coarse) == 1 else f"{len(coarse)} images"
    problems.add(
        "low_resolution",
        f"{count} would print below {spec.min_dpi:g} dpi at {spec.width_mm:g} \u00d7 {spec.height_mm:g} mm: "
        f"{listed}. Replace {'it' if len(coarse) == 1 else 'them'} with a higher-resolution original or a "
        "vector drawing.",
        round(coarse[0][0]),
        spec.min_dpi,
    )


def _position(image: ImageFact, page: Paper) -> str:
    """Where on the page an image sits, in words a person finds it by: top left, middle, bottom right."""
    x = ((image.left + image.right) / 2) / page.width_pt if page.width_pt else 0.5
    y = ((image.bottom + image.top) / 2) / page.height_pt if page.height_pt else 0.5
    row = "top" if y > 2 / 3 else "bottom" if y < 1 / 3 else ""
    column = "left" if x < 1 / 3 else "right" if x > 2 / 3 else ""
    if not row and not column:
        return "in the middle"
    return "at the " + " ".join(part for part in (row, column) if part)
