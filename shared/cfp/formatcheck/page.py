"""The plain data of a page that layout analysis and heading detection share: fragments, drawings, lines.

Its own module so that `layout` and `headings` both import it and neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Fragment:
    """A run of characters on one baseline in one font size, as the PDF draws it."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    size: float
    bold: bool = False


@dataclass(slots=True)
class Box:
    """The bounds of a drawing (image, vector path, form) on the page."""

    x0: float
    y0: float
    x1: float
    y1: float

    def holds(self, line: Line) -> bool:
        """Whether `line` lies within the drawing (give or take 3 pt)."""
        across = self.x0 - 3 <= line.x0 and line.x1 <= self.x1 + 3
        return across and self.y0 - 3 <= line.y0 and line.y1 <= self.y1 + 3


@dataclass(slots=True)
class PageContent:
    number: int
    width: float
    height: float
    fragments: list[Fragment] = field(default_factory=list)
    graphics: list[Box] = field(default_factory=list)
    images: int = 0


@dataclass(slots=True)
class Line:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    size: float
    chars: int
    bold: bool
    sizes: list[tuple[float, int]]
    furniture: bool = False
    key: tuple[int, int, float] = (0, 0, 0.0)
    column: int = 0


@dataclass(slots=True)
class PageLayout:
    content: PageContent
    lines: list[Line]
    gutters: list[tuple[float, float]]
    graphics: list[tuple[tuple[int, int, float], Box]]
