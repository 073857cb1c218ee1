"""Data models of the format check: the rules (`FormatSpec`), what was measured (`Facts`) and the
decision (`Verdict`).

Measuring depends only on a `Budget` (what a check may cost), never on the rules: facts are kept in the
verdict, so stored facts can be judged again when the rules change without opening the PDF a second time.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# The measurer's version: bump it whenever extraction changes what it measures (a heading read differently, a
# new fact), so facts an older measurer stored are measured again instead of being judged as if current.
# Facts stored before the measurer was versioned have none and read as version 0.
MEASURER_VERSION = 1

Severity = Literal["fail", "warn", "ignore"]
Outcome = Literal["pass", "warn", "fail"]

# Every problem code the checker can emit, with the severity it gets unless the spec overrides it.
DEFAULT_SEVERITIES: dict[str, Severity] = {
    "empty": "fail",
    "not_pdf": "fail",
    "too_large": "fail",
    "unreadable": "fail",
    "encrypted": "fail",
    "resource_limit": "fail",
    "too_many_pages": "fail",
    "too_many_body_pages": "fail",
    "no_content": "fail",
    "references_not_found": "warn",
    "image_only_pages": "warn",
    "damaged_structure": "warn",
    "paper_size": "warn",
    "font_too_small": "warn",
    "margins_too_small": "warn",
    "too_many_columns": "warn",
    "active_content": "warn",
}
# A poster's problem codes, with their severities.
POSTER_SEVERITIES: dict[str, Severity] = {
    "empty": "fail",
    "not_pdf": "fail",
    "too_large": "fail",
    "unreadable": "fail",
    "encrypted": "fail",
    "resource_limit": "fail",
    "poster_pages": "fail",
    "poster_orientation": "fail",
    "poster_size": "fail",
    "fonts_not_embedded": "warn",
    "low_resolution": "warn",
    "damaged_structure": "warn",
    "active_content": "warn",
}

# Named paper sizes in PDF points (portrait).
PAPER_SIZES: dict[str, tuple[float, float]] = {
    "letter": (612.0, 792.0),
    "A4": (595.28, 841.89),
    "legal": (612.0, 1008.0),
    "A3": (841.89, 1190.55),
    "A5": (419.53, 595.28),
    "B5": (498.9, 708.66),
    "tabloid": (792.0, 1224.0),
    "executive": (522.0, 756.0),
}


# Paper sizes are named in the facts within this many points; the spec's own tolerance applies when judging.
NAMING_TOLERANCE_PT = 3.0


def paper_name(width: float, height: float, tolerance: float = NAMING_TOLERANCE_PT) -> str | None:
    """Name of the paper size within `tolerance` points, in either orientation."""
    short, long_ = sorted((width, height))
    for name, (w, h) in PAPER_SIZES.items():
        if abs(short - w) <= tolerance and abs(long_ - h) <= tolerance:
            return name
    return None


class Budget(BaseModel):
    """What measuring one file may cost, whatever the rules: beyond these it stops and says which it hit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_bytes: int = Field(default=100 * 1024 * 1024, gt=0, description="Larger files are not parsed.")
    max_pages: int = Field(default=50, ge=1, description="Longer files get their page count, not their text.")
    cpu_seconds: float = Field(default=10.0, gt=0)
    wall_seconds: float = Field(default=15.0, gt=0)
    memory_mb: int = Field(default=768, ge=64)

    def describe(self) -> str:
        return f"{self.cpu_seconds:g} s CPU, {self.wall_seconds:g} s, {self.memory_mb} MB"


class FormatSpec(BaseModel):
    """The rules a submission is checked against; every field but the page limit has a default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_body_pages: int = Field(default=2, ge=0)
    max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    max_pages: int = Field(default=20, ge=1, description="Reject on the page count alone above this.")
    appendices_count: bool = False
    allowed_papers: tuple[str, ...] = ("letter", "A4")
    paper_tolerance_pt: float = Field(default=3.0, ge=0)
    min_body_font_pt: float | None = 9.0
    font_tolerance_pt: float = Field(default=0.25, ge=0)
    min_margin_pt: float | None = None
    max_columns: int | None = None
    severities: dict[str, Severity] = Field(default_factory=dict)

    @field_validator("severities")
    @classmethod
    def _merge_defaults(cls, value: dict[str, Severity]) -> dict[str, Severity]:
        unknown = sorted(set(value) - set(DEFAULT_SEVERITIES))
        if unknown:
            raise ValueError(f"unknown problem codes: {', '.join(unknown)}")
        return {**DEFAULT_SEVERITIES, **value}

    @field_validator("allowed_papers")
    @classmethod
    def _known_papers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(PAPER_SIZES))
        if unknown:
            raise ValueError(f"unknown paper sizes: {', '.join(unknown)}")
        return value

    def severity(self, code: str) -> Severity:
        """Severity of a problem code under this spec (defaults filled in when not given)."""
        return self.severities.get(code, DEFAULT_SEVERITIES[code])


class Paper(BaseModel):
    width_pt: float
    height_pt: float
    name: str | None = None
    pages: list[int] = Field(default_factory=list, description="1-based pages of this size.")


class Margins(BaseModel):
    left: float
    right: float
    top: float
    bottom: float


class Heading(BaseModel):
    """Where a section heading was found, and whether body content precedes it on that page."""

    page: int
    heading: str
    body_above: bool


class ImageFact(BaseModel):
    """One image as drawn on a page: where (PDF points, origin bottom left) and at what resolution there."""

    page: int
    left: float
    bottom: float
    right: float
    top: float
    dpi: float = Field(description="Pixels per inch at the page's own size, the lower of the two axes.")


class Facts(BaseModel):
    """What the checker measured within a `Budget` (`budget` says which limit it hit, if one); the spec
    plays no part, so the same facts are judged under any rules. ``measurer`` is the version of the
    measurer that produced them (``MEASURER_VERSION`` when measured now, 0 when stored unversioned)."""

    measurer: int = Field(
        default=0, ge=0, description="The version of the checker that measured these facts."
    )
    bytes: int = 0
    header_offset: int | None = None
    pdf_version: str | None = None
    opened: bool = False
    error: str | None = None
    encrypted: bool = False
    needs_password: bool = False
    resource_limit: str | None = None
    budget: str | None = Field(default=None, description="The limits measuring ran under, when it hit one.")
    pages: int | None = None
    page_tree_count: int | None = None
    text_checked: bool = False
    paper: Paper | None = None
    page_sizes: list[Paper] = Field(default_factory=list)
    body_font_pt: float | None = None
    font_sizes: dict[str, int] = Field(default_factory=dict, description="Size (pt) to characters.")
    columns: int | None = None
    margins_pt: Margins | None = None
    references: Heading | None = None
    appendix: Heading | None = None
    image_only_pages: list[int] = Field(
        default_factory=list, description="Pages without text that show an image or a figure."
    )
    blank_pages: list[int] = Field(
        default_factory=list,
        description="Pages without text, images or figures (frames, rules and backgrounds at most).",
    )
    active_content: list[str] = Field(default_factory=list)
    structural_warnings: list[str] = Field(default_factory=list)
    # Measured on posters only (the first page): what printing at full size depends on.
    fonts_not_embedded: list[str] = Field(
        default_factory=list, description="Fonts the PDF names but does not carry (the printer substitutes)."
    )
    images: list[ImageFact] = Field(default_factory=list, description="The images on the first page.")


class Problem(BaseModel):
    code: str
    severity: Literal["fail", "warn"]
    message: str
    measured: str | int | float | list[int] | None = None
    limit: str | int | float | list[str] | None = None


class Verdict(BaseModel):
    outcome: Outcome
    pages: int | None
    body_pages: int | None
    problems: list[Problem]
    facts: Facts
    notes: list[str] = Field(
        default_factory=list, description="What the author should know that is not a problem."
    )

    def measured_by_older_checker(self) -> bool:
        """True when an older measurer produced these facts: the verdict stands as stored until the file
        is measured again, since today's rules may read today's facts differently."""
        return self.facts.measurer < MEASURER_VERSION


# ISO 216 A sizes in millimetres, portrait.
A_SIZES_MM: dict[str, tuple[float, float]] = {
    "A0": (841.0, 1189.0),
    "A1": (594.0, 841.0),
    "A2": (420.0, 594.0),
    "A3": (297.0, 420.0),
    "A4": (210.0, 297.0),
    "A5": (148.0, 210.0),
}
_UNIT_MM = {"mm": 1.0, "cm": 10.0, "in": 25.4}
_NAMED = re.compile(r"^(A[0-5])(?:\s+(portrait|landscape))?$", re.IGNORECASE)
_MEASURED = re.compile(
    r"^(\d+(?:\.\d+)?)\s*[x\u00d7]\s*(\d+(?:\.\d+)?)\s*(mm|cm|in)(?:\s+(portrait|landscape))?$", re.IGNORECASE
)


class PosterSpec(BaseModel):
    """What a poster must be: its printed size (which fixes its shape and orientation), its file size and
    how sharp its images must print."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    width_mm: float = Field(default=841.0, gt=0)
    height_mm: float = Field(default=1189.0, gt=0)
    label: str = "A0 portrait"
    max_bytes: int = Field(default=25 * 1024 * 1024, gt=0)
    min_dpi: float = Field(default=150.0, gt=0)
    shape_tolerance: float = Field(default=0.01, ge=0, description="Relative: 1% of each side or the ratio.")

    @property
    def landscape(self) -> bool:
        return self.width_mm > self.height_mm

    def describe(self) -> str:
        """The size as a call for posters says it: ``A0 portrait (841 x 1189 mm)``, with a times sign."""
        return f"{self.label} ({self.width_mm:g} \u00d7 {self.height_mm:g} mm)"

    def severity(self, code: str) -> Severity:
        return POSTER_SEVERITIES[code]

    @classmethod
    def parse(cls, text: str, max_bytes: int = 25 * 1024 * 1024) -> PosterSpec:
        """A size as an organizer writes it: ``A0 portrait``, ``A1 landscape``, ``48x36in``, ``841 x 1189
        mm``; raises ValueError saying what is understood."""
        text = " ".join(text.split())
        named = _NAMED.match(text)
        if named:
            short, long_ = A_SIZES_MM[named[1].upper()]
            orientation = (named[2] or "portrait").lower()
            width, height = (long_, short) if orientation == "landscape" else (short, long_)
            return cls(
                width_mm=width,
                height_mm=height,
                label=f"{named[1].upper()} {orientation}",
                max_bytes=max_bytes,
            )
        measured = _MEASURED.match(text)
        if measured:
            unit = measured[3].lower()
            width, height = float(measured[1]) * _UNIT_MM[unit], float(measured[2]) * _UNIT_MM[unit]
            if width == 0 or height == 0:
                raise ValueError("a poster's sides must be above zero")
            orientation = "landscape" if width > height else "portrait"
            label = f"{measured[1]} \u00d7 {measured[2]} {unit} {orientation}"
            return cls(width_mm=round(width, 1), height_mm=round(height, 1), label=label, max_bytes=max_bytes)
        raise ValueError(
            f"poster size {text!r} is not understood: write an A size and orientation (A0 portrait, "
            "A1 landscape) or width x height with a unit (48x36in, 841x1189mm)"
        )
