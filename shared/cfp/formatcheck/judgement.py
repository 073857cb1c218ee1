"""Turning measured facts into a verdict under a spec. Pure: no I/O, no PDF libraries."""

from __future__ import annotations

from typing import Protocol

from cfp.formatcheck.models import Facts, FormatSpec, Outcome, Problem, Severity, Verdict, paper_name


class _Rules(Protocol):
    """What judging needs of a spec, an abstract's or a poster's."""

    @property
    def max_bytes(self) -> int: ...

    def severity(self, code: str) -> Severity: ...


class Problems:
    """Collects problems, applying the spec's severity for each code ("ignore" drops it)."""

    def __init__(self, spec: _Rules) -> None:
        self.spec = spec
        self.items: list[Problem] = []

    def add(
        self,
        code: str,
        message: str,
        measured: str | int | float | list[int] | None = None,
        limit: str | int | float | list[str] | None = None,
    ) -> None:
        severity = self.spec.severity(code)
        if severity != "ignore":
            self.items.append(
                Problem(code=code, severity=severity, message=message, measured=measured, limit=limit)
            )

    def outcome(self) -> Outcome:
        severities = {problem.severity for problem in self.items}
        if "fail" in severities:
            return "fail"
        return "warn" if "warn" in severities else "pass"


def count_body_pages(facts: Facts, spec: FormatSpec) -> int | None:
    """Pages up to the references heading, plus appendices when they count and pages without text."""
    if facts.pages is None or not facts.text_checked:
        return None
    pages = facts.pages
    if facts.references is None:
        return pages
    last = facts.references.page if facts.references.body_above else facts.references.page - 1
    counted = set(range(1, last + 1))
    if spec.appendices_count and facts.appendix is not None:
        counted.update(range(facts.appendix.page, pages + 1))
    counted.update(page for page in facts.image_only_pages if page <= pages)
    return len(counted)


def judge(facts: Facts, spec: FormatSpec) -> Verdict:
    """The verdict for `facts` under `spec`."""
    problems = Problems(spec)
    if fatal(facts, spec, problems):
        return verdict(facts, problems, None)
    structure(facts, problems)
    if _nothing_to_read(facts):
        problems.add(
            "no_content",
            "No page of this PDF has any text or images: it looks empty or damaged. "
            "Upload the abstract itself.",
            facts.pages,
        )
        return verdict(facts, problems, None)
    body_pages: int | None = None
    if facts.pages is not None and facts.pages > spec.max_pages:
        problems.add(
            "too_many_pages",
            f"The file has {facts.pages} pages; an abstract may have at most {spec.max_pages}. "
            "Upload the abstract only.",
            facts.pages,
            spec.max_pages,
        )
    else:
        body_pages = count_body_pages(facts, spec)
        _body(facts, spec, body_pages, problems)
        _typography(facts, spec, problems)
    _paper(facts, spec, problems)
    return verdict(facts, problems, body_pages)


def verdict(facts: Facts, problems: Problems, body_pages: int | None) -> Verdict:
    return Verdict(
        outcome=problems.outcome(),
        pages=facts.pages,
        body_pages=body_pages,
        problems=problems.items,
        facts=facts,
    )


def fatal(facts: Facts, spec: _Rules, problems: Problems, what: str = "abstract") -> bool:
    """Problems after which nothing else can be measured (``what``: the kind of file, for the words)."""
    if facts.bytes == 0:
        problems.add("empty", f"The file is empty. Upload the PDF of your {what}.", 0)
    elif facts.bytes > spec.max_bytes:
        problems.add(
            "too_large",
            f"The file is {mb(facts.bytes)}; the limit is {mb(spec.max_bytes)}. "
            "Compress the images or export the PDF with a smaller image resolution.",
            facts.bytes,
            spec.max_bytes,
        )
    elif facts.header_offset is None:
        problems.add(
            "not_pdf",
            f"The file is not a PDF (it does not start with %PDF-). Export or print your {what} to PDF.",
        )
    elif facts.resource_limit is not None:
        problems.add(
            "resource_limit",
            "The PDF could not be checked within the time and memory limits "
            f"({facts.error or facts.resource_limit}). Export it again, e.g. with standard fonts and images.",
            facts.resource_limit,
            facts.budget,
        )
    elif facts.needs_password:
        problems.add(
            "encrypted",
            "The PDF is protected by a password. Upload a copy without a password to open it.",
        )
    elif facts.error is not None:
        problems.add(
            "unreadable",
            f"The PDF is damaged and cannot be read ({facts.error}). Export it again from the original.",
        )
    else:
        return False
    return True


def _nothing_to_read(facts: Facts) -> bool:
    """Every page was read and none has text, an image or a figure: the wrong file, not a scan."""
    return facts.text_checked and bool(facts.pages) and len(facts.blank_pages) == facts.pages


def structure(facts: Facts, problems: Problems, what: str = "an abstract") -> None:
    if facts.structural_warnings:
        count = len(facts.structural_warnings)
        problems.add(
            "damaged_structure",
            f"The PDF is damaged and readers have to repair it ({facts.structural_warnings[0]}"
            f"{f'; {count} problems in all' if count > 1 else ''}). It may look different elsewhere; "
            "export it again from the original.",
            count,
            0,
        )
    if facts.active_content:
        kinds = ", ".join(facts.active_content)
        problems.add(
            "active_content",
            f"The PDF contains {kinds}. Remove it; {what} needs none.",
            kinds,
        )


def _body(facts: Facts, spec: FormatSpec, body_pages: int | None, problems: Problems) -> None:
    if facts.image_only_pages:
        pages = facts.image_only_pages
        problems.add(
            "image_only_pages",
            f"{_pages_text(pages)} {'has' if len(pages) == 1 else 'have'} no text layer (scanned or "
            "rasterised), so they count as body pages. Export the PDF from your text source instead.",
            pages,
        )
    if body_pages is None or body_pages <= spec.max_body_pages:
        return
    if facts.references is None:
        problems.add(
            "references_not_found",
            "No references heading was found, so every page counts as a body page. "
            "Start the references with a heading such as 'References'.",
        )
        where = "in total (no references heading found)"
    else:
        where = "before the references"
    problems.add(
        "too_many_body_pages",
        f"{body_pages} pages {where}; the limit is {spec.max_body_pages}. "
        "Move material after the references heading or shorten the text.",
        body_pages,
        spec.max_body_pages,
    )


def _typography(facts: Facts, spec: FormatSpec, problems: Problems) -> None:
    size = facts.body_font_pt
    if (
        spec.min_body_font_pt is not None
        and size is not None
        and size < spec.min_body_font_pt - spec.font_tolerance_pt
    ):
        problems.add(
            "font_too_small",
            f"The body text is set in {size:g} pt; the minimum is {spec.min_body_font_pt:g} pt. "
            "Use a larger font size.",
            size,
            spec.min_body_font_pt,
        )
    margins = facts.margins_pt
    if spec.min_margin_pt is not None and margins is not None:
        smallest = min(margins.left, margins.right, margins.top, margins.bottom)
        if smallest < spec.min_margin_pt:
            problems.add(
                "margins_too_small",
                f"The text comes within {smallest:g} pt of the page edge; margins must be at least "
                f"{spec.min_margin_pt:g} pt. Widen the margins.",
                smallest,
                spec.min_margin_pt,
            )
    if spec.max_columns is not None and facts.columns is not None and facts.columns > spec.max_columns:
        problems.add(
            "too_many_columns",
            f"The text is set in {facts.columns} columns; at most {spec.max_columns} allowed. "
            "Use the required template.",
            facts.columns,
            spec.max_columns,
        )


def _paper(facts: Facts, spec: FormatSpec, problems: Problems) -> None:
    wrong = [
        size
        for size in facts.page_sizes
        if paper_name(size.width_pt, size.height_pt, spec.paper_tolerance_pt) not in spec.allowed_papers
    ]
    if not wrong:
        return
    first = wrong[0]
    pages = sorted(page for size in wrong for page in size.pages)
    name = paper_name(first.width_pt, first.height_pt, spec.paper_tolerance_pt)
    shown = f"{first.width_pt:g} x {first.height_pt:g} pt" + (f" ({name})" if name else "")
    allowed = " or ".join(spec.allowed_papers)
    problems.add(
        "paper_size",
        f"{_pages_text(pages)} {'is' if len(pages) == 1 else 'are'} {shown}; use {allowed} paper.",
        shown,
        list(spec.allowed_papers),
    )


def _pages_text(pages: list[int]) -> str:
    if len(pages) == 1:
        return f"Page {pages[0]}"
    shown = ", ".join(str(page) for page in pages[:10])
    return f"Pages {shown}{' ...' if len(pages) > 10 else ''}"


def mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
