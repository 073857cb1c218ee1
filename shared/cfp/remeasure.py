"""Uploads whose facts an older measurer produced, found for the checks that measure them again.

Their stored verdicts stand (``cfp.rejudge``) until the validator measures the file again; the deadline
keeper's closing reconciliation and ``cfp admin reconcile`` put those checks on the validation queue.
"""

from __future__ import annotations

from cfp.model import Submission, Version
from cfp.ports import StoredObject


def measured_by_older(
    everything: list[tuple[Submission, list[Version]]], listing: list[StoredObject]
) -> list[tuple[Submission, StoredObject]]:
    """Each judged upload whose facts are stale, with the bucket's object for it (one gone from the bucket
    cannot be measured again, and the reconciliation names it as missing instead)."""
    in_bucket = {(o.key, name): o for o in listing for name in (o.version_id, o.etag) if name}
    found = []
    for submission, versions in everything:
        for v in versions:
            if v.verdict is None or not v.verdict.measured_by_older_checker():
                continue
            names = [(v.key, n) for n in (v.version_id, v.etag) if n]
            stored = next((in_bucket[name] for name in names if name in in_bucket), None)
            if stored is not None:
                found.append((submission, stored))
    return found
