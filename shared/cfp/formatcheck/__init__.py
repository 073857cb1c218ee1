"""Format check of submitted abstracts: page limits before the references, paper, fonts, safety.

`check_pdf` = `judge(measure(...))`. `measure` parses the file in an isolated child process within a
`Budget` and returns `Facts`, never seeing the rules; `judge` is pure, so stored facts can be judged again
under changed rules. The PDF
libraries are imported only when a check runs (call `warm_up` at cold start to pay that once).

Only the models load with the package: the API and the notifier read verdicts but never check a file,
so the checking code is imported on first use of its names (PEP 562), off their cold starts.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from cfp.formatcheck.models import (
    DEFAULT_SEVERITIES,
    MEASURER_VERSION,
    Budget,
    Facts,
    FormatSpec,
    Heading,
    Margins,
    Paper,
    PosterSpec,
    Problem,
    Verdict,
)

if TYPE_CHECKING:
    from cfp.formatcheck.check import check_pdf, check_poster, measure, warm_up
    from cfp.formatcheck.judgement import count_body_pages, judge

_LAZY = {
    "check_pdf": "cfp.formatcheck.check",
    "check_poster": "cfp.formatcheck.check",
    "measure": "cfp.formatcheck.check",
    "warm_up": "cfp.formatcheck.check",
    "count_body_pages": "cfp.formatcheck.judgement",
    "judge": "cfp.formatcheck.judgement",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_LAZY[name]), name)


__all__ = [
    "DEFAULT_SEVERITIES",
    "MEASURER_VERSION",
    "Budget",
    "Facts",
    "FormatSpec",
    "Heading",
    "Margins",
    "Paper",
    "PosterSpec",
    "Problem",
    "Verdict",
    "check_pdf",
    "check_poster",
    "count_body_pages",
    "judge",
    "measure",
    "warm_up",
]
