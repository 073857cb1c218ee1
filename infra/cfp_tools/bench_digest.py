"""Digest benchmark: `cfp bench-digest [-n 10000]`.

Times one organizer digest of N changes (half new submissions, half checked versions, each line linking
to its submission's page in the console, as the notifier links it) from the events to the MIME message SES
receives, and prints its size beside SES's 40 MB limit. No AWS call is made.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cfp.events import EventKind, NotificationEvent
from cfp.formatcheck.models import Facts, Problem, Verdict
from cfp.mail.digest import console_link, digest_sections, digest_title
from cfp.mail.render import CallInfo, MailRenderer
from cfp.model import Author, Submission, Version, Window

TARGET_SECONDS = 1.0
SES_MAX_BYTES = 40 * 1024 * 1024  # SES v2's largest message, after encoding
_T0 = datetime(2017, 8, 30, 14, 0, tzinfo=UTC)
_CALL = CallInfo(
    conference="AI Systems Workshop at SOSP 2017",
    window=Window(datetime.fromisoformat("2017-08-31T23:59:59-12:00")),
    organizers=("chair@example.org",),
    max_body_pages=2,
    public_url="https://cfp.example.org/",
)


@dataclass(frozen=True)
class DigestRun:
    seconds: float
    size: int
    entries: int


def _record(index: int) -> tuple[Submission, list[Version]]:
    sub_id = f"sub{index:07d}"
    submission = Submission(
        id=sub_id,
        title=f"Poster {index}: scheduling inference on shared accelerators",
        authors=[Author(name="Ada Lovelace", email=f"ada{index}@example.org", affiliation="Engines")],
        contact_email=f"ada{index}@example.org",
        abstract="x",
        token_hash="0" * 64,
        created_at=_T0,
        updated_at=_T0,
    )
    problem = Problem(
        code="too_many_body_pages",
        severity="fail",
        message="3 pages before the references.",
        measured=3,
        limit=2,
    )
    verdict = Verdict(outcome="fail", pages=4, body_pages=3, problems=[problem], facts=Facts())
    version = Version(
        number=1,
        key=f"uploads/{sub_id}/v1.pdf",
        issued_at=_T0,
        expires_at=_T0 + timedelta(minutes=15),
        uploaded_at=_T0 + timedelta(minutes=2),
        etag="e",
        verdict=verdict,
    )
    return submission, [version]


def run(changes: int) -> DigestRun:
    """Build the events and records first, then time sections, links, rendering and MIME."""
    records = {}
    events = []
    for index in range(changes // 2):
        submission, versions = _record(index)
        records[submission.id] = (submission, versions)
        for kind, number in ((EventKind.SUBMITTED, None), (EventKind.VERDICT, 1)):
            events.append(
                NotificationEvent(
                    kind=kind,
                    event_id=f"{kind}{index}",
                    occurred_at=_T0,
                    submission_id=submission.id,
                    version=number,
                )
            )
    renderer = MailRenderer(_CALL)
    started = time.perf_counter()

    def link_for(submission_id: str, version: Version | None) -> str | None:
        return console_link(_CALL.public_url, submission_id)

    sections = digest_sections(events, records, link_for)
    mail = renderer.digest(digest_title(sections), sections, list(records.values()), _T0)
    raw = mail.to_mime("cfp@example.org", "cfp", _T0)
    seconds = time.perf_counter() - started
    return DigestRun(seconds, len(raw), sum(len(section.entries) for section in sections))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cfp bench-digest", description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=10_000, help="changes in the digest (default 10000)")
    args = parser.parse_args(argv)
    result = run(args.n)
    fast = result.seconds < TARGET_SECONDS
    small = result.size < SES_MAX_BYTES
    print(f"digest of {result.entries} changes")
    verdict = "held" if fast else "MISSED"
    print(f"  built in  {result.seconds:.2f} s (target < {TARGET_SECONDS:.0f} s: {verdict})")
    print(f"  message   {result.size / 1e6:.1f} MB (SES limit 40 MB: {'held' if small else 'MISSED'})")
    return 0 if fast and small else 1
