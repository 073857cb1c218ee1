"""Format check of submitted abstracts: page limits before the references, paper, fonts, safety.

`check_pdf` = `judge(measure(...))`. `measure` parses the file in an isolated child process and
returns `Facts`; `judge` is pure, so stored facts can be judged again under changed rules. The PDF
libraries are imported only when a check runs (call `warm_up` at cold start to pay that once).
"""

from cfp.formatcheck.check import check_pdf, measure, warm_up
from cfp.formatcheck.judge import count_body_pages, judge
from cfp.formatcheck.models import (
    DEFAULT_SEVERITIES,
    Facts,
    FormatSpec,
    Heading,
    Margins,
    Paper,
    Problem,
    Verdict,
)

__all__ = [
    "DEFAULT_SEVERITIES",
    "Facts",
    "FormatSpec",
    "Heading",
    "Margins",
    "Paper",
    "Problem",
    "Verdict",
    "check_pdf",
    "count_body_pages",
    "judge",
    "measure",
    "warm_up",
]
