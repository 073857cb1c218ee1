"""Stored verdicts judged again under the rules in force.

The checker keeps what it measured (``Verdict.facts``) apart from what it decided, as HotCRP keeps banal's
output and judges it again. Reading a verdict through ``under`` gives the decision the current spec makes:
moving ``MaxBodyPages`` after a hundred uploads re-judges all of them, at once and without a PDF read.

Facts from an older measurer (``Verdict.measured_by_older_checker``) are not judged again: today's rules
may expect facts the older measurer read differently or not at all, so the stored verdict stands, marked as
such, until the file is measured again (the deadline keeper and ``cfp admin reconcile`` queue that check).
"""

from __future__ import annotations

from cfp.formatcheck.judgement import judge
from cfp.formatcheck.models import FormatSpec, Verdict
from cfp.ports import Rejudge


def under(spec: FormatSpec) -> Rejudge:
    """A function giving a stored verdict as ``spec`` judges its facts, or as stored when they are stale."""

    def again(stored: Verdict) -> Verdict:
        if stored.measured_by_older_checker():
            return stored
        return judge(stored.facts, spec)

    return again
