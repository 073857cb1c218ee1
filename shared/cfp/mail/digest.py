"""The organizer digest's content: its sections, its subject line, and the CSVs that carry long lists and
the final list of every submission. Pure functions of the events and the records; ``render`` lays them out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cfp.events import EventKind, NotificationEvent
from cfp.model import (
    Submission,
    Version,
    Window,
    current_version,
    find_upload,
    late_versions,
    status_of,
)
from cfp.neutral import neutral
from cfp.reviews import AGGREGATES, Sight

# Past this many entries in one section, the digest body keeps a summary and the CSV carries the list,
# which keeps a burst of hundreds of uploads readable and far below SES's 40 MB message limit.
INLINE_LIMIT = 25


@dataclass
class DigestEntry:
    submission_id: str
    title: str
    line: str
    link: str | None = None


@dataclass
class DigestSection:
    heading: str
    one: str
    many: str
    entries: list[DigestEntry] = field(default_factory=list)


# A spreadsheet runs a text cell that starts with one of these as a formula (OWASP's CSV injection list).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """Authors write titles and names; a leading quote keeps one such as =HYPERLINK(...) plain text, and
    bidirectional controls are shown rather than obeyed (``cfp.neutral``)."""
    if not isinstance(value, str):
        return value
    value = neutral(value)
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def safe_csv(rows: list[list[Any]]) -> bytes:
    """Every CSV the project writes goes through here, so no cell reaches a spreadsheet as a formula."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows([_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def changes_csv(sections: list[DigestSection]) -> bytes:
    rows: list[list[Any]] = [["section", "submission_id", "title", "change", "console_link"]]
    for section in sections:
        rows.extend(
            [section.heading, e.submission_id, e.title, e.line, e.link or ""] for e in section.entries
        )
    return safe_csv(rows)


def submissions_csv(
    everything: list[tuple[Submission, list[Version]]],
    window: Window,
    sights: Mapping[str, Sight] | None = None,
    hidden: frozenset[str] = frozenset(),
) -> bytes:
    """Every submission as organizers need it at the deadline; with ``sights`` (an export), each row's
    decision and reviews' aggregates as the organizer exporting may see them. The decisions of ``hidden``
    (submissions the reader declared a conflict with) are left blank."""
    rows: list[list[Any]] = [
        [
            "id",
            "title",
            "authors",
            "contact_email",
            "status",
            "verdict",
            "pages",
            "body_pages",
            "on_time_version",
            "late_versions",
            "created_at",
            "updated_at",
            "late",
            "extension_until",
            "decision",
            "decision_note",
            "decided_by",
            *(_REVIEW_COLUMNS if sights is not None else ()),
        ]
    ]
    for submission, versions in everything:
        sight = sights.get(submission.id) if sights is not None else None
        blank = submission.id in hidden or (sight is not None and not sight.sees_decision)
        current = current_version(submission, versions, window)
        verdict = current.verdict if current else None
        rows.append(
            [
                submission.id,
                submission.title,
                "; ".join(a.name for a in submission.authors),
                submission.contact_email,
                status_of(submission, versions, window).value,
                verdict.outcome if verdict else "",
                verdict.pages if verdict and verdict.pages is not None else "",
                verdict.body_pages if verdict and verdict.body_pages is not None else "",
                current.number if current else "",
                " ".join(str(v.number) for v in late_versions(submission, versions, window)),
                submission.created_at.isoformat(),
                submission.updated_at.isoformat(),
                "yes" if late_versions(submission, versions, window) else "",
                submission.extension_until.isoformat() if submission.extension_until else "",
                submission.decision.value if submission.decision and not blank else "",
                submission.decision_note if not blank else "",
                (submission.decided_by or "") if not blank else "",
                *(_review_cells(sight) if sights is not None else ()),
            ]
        )
    return safe_csv(rows)


_REVIEW_COLUMNS = (*AGGREGATES, "conflicted")


def _review_cells(sight: Sight | None) -> list[Any]:
    """A row's aggregates, empty where the organizer exporting may not see them."""
    if sight is None or sight.viewer is None:
        return [""] * len(_REVIEW_COLUMNS)
    standing = sight.standing()
    values = [getattr(standing, name) for name in AGGREGATES]
    return [*("" if value is None else value for value in values), "yes" if standing.conflicted else ""]


# Every digest section in reading order (what needs the organizers first, then the routine news), keyed
# by what fills it: an event kind, a failed verdict, or a bounced address. Headings go in the body; the
# singular and plural names in the subject.
_SECTIONS: list[tuple[str, str, str, str]] = [
    (EventKind.ATTENTION, "Needs attention", "needs attention", "need attention"),
    ("failed", "Failed format checks", "failed check", "failed checks"),
    ("bounced", "Bounced author addresses", "bounced address", "bounced addresses"),
    ("held", "Mails held back", "mail held back", "mails held back"),
    (EventKind.LATE_UPLOAD, "Late uploads (kept, not counted)", "late upload", "late uploads"),
    (EventKind.WITHDRAWN, "Withdrawals", "withdrawal", "withdrawals"),
    (EventKind.SUBMITTED, "New submissions", "new submission", "new submissions"),
    (EventKind.VERDICT, "New versions checked", "version checked", "versions checked"),
    (
        EventKind.FINAL_VERDICT,
        "Final abstracts and posters checked",
        "final upload checked",
        "final uploads checked",
    ),
    (EventKind.DECISION, "Decisions sent to authors", "decision sent", "decisions sent"),
    (EventKind.REVIEWED, "Reviews submitted (the console shows them)", "review", "reviews"),
]


def digest_title(sections: list[DigestSection]) -> str:
    """A subject that tells organizers what changed before they open the mail."""
    parts = [f"{len(s.entries)} {s.one if len(s.entries) == 1 else s.many}" for s in sections if s.entries]
    return "Digest: " + (", ".join(parts) if parts else "no changes")


def digest_sections(
    notifications: list[NotificationEvent],
    records: dict[str, tuple[Submission, list[Version]]],
    link_for: Callable[[str, Version | None], str | None],
    bounces: Sequence[tuple[str, str]] = (),
    held: Sequence[tuple[str, str]] = (),
    suppressed: Sequence[tuple[str, str]] = (),
    feedback: Sequence[tuple[str, str]] = (),
) -> list[DigestSection]:
    """Group a batch of events into digest sections, one line per event or bounced address."""
    sections = {key: DigestSection(heading, one, many) for key, heading, one, many in _SECTIONS}
    for event in sorted(notifications, key=lambda e: e.occurred_at):
        record = records.get(event.submission_id or "")
        if record is None:
            continue
        submission, versions = record
        version = find_upload(versions, event.version, event.object_id)
        link = link_for(submission.id, version if version is not None and version.uploaded else None)
        entry = DigestEntry(
            submission.id, neutral(submission.title), _line_for(event, version, submission.withdrawn_at), link
        )
        failed = version is not None and version.verdict is not None and version.verdict.outcome == "fail"
        key = "failed" if event.kind is EventKind.VERDICT and failed else event.kind
        if key in sections:
            sections[key].entries.append(entry)
    for key, pairs, line in (
        ("bounced", bounces, "mail to {} was rejected permanently"),
        (
            "held",
            held,
            "mail to {} held back: its mailbox or this submission had its hourly share; a resend goes",
        ),
        ("held", suppressed, "mail to {} held back: it bounced for good or complained before"),
        ("bounced", feedback, "{}"),
    ):
        for submission_id, address in pairs:
            title = neutral(records[submission_id][0].title) if submission_id in records else ""
            sections[key].entries.append(DigestEntry(submission_id, title, line.format(address)))
    return list(sections.values())


def _line_for(event: NotificationEvent, version: Version | None, withdrawn_at: datetime | None) -> str:
    if event.kind is EventKind.SUBMITTED:
        return "created"
    if event.kind is EventKind.WITHDRAWN:
        return "withdrawn by the authors"
    if event.kind is EventKind.ATTENTION:
        return str(event.detail.get("reason", "processing failed repeatedly"))
    if event.kind is EventKind.DECISION:
        return f"{event.detail.get('decision', '')} (mailed to the authors)"
    if event.kind is EventKind.REVIEWED:
        return "a review came in"
    if event.kind is EventKind.FINAL_VERDICT:
        what = "poster" if event.detail.get("kind") == "poster" else "final abstract"
        late = " (late, kept, not counted)" if event.detail.get("late") else ""
        codes = ", ".join(str(code) for code in event.detail.get("codes") or []) or "no problems"
        return f"{what} upload {event.version}{late}: {event.detail.get('outcome', '')}; {codes}"
    if version is None or version.verdict is None:
        return f"version {event.version}"
    verdict = version.verdict
    codes = ", ".join(p.code for p in verdict.problems) or "no problems"
    late = " (late)" if event.kind is EventKind.LATE_UPLOAD else ""
    after = (
        " (uploaded after the withdrawal)"
        if withdrawn_at and version.uploaded_at and version.uploaded_at > withdrawn_at
        else ""
    )
    pages = f", {verdict.pages} page(s)" if verdict.pages is not None else ""
    body = f", {verdict.body_pages} before references" if verdict.body_pages is not None else ""
    return f"version {version.number}{late}{after}: {verdict.outcome}{pages}{body}; {codes}"


def console_link(public_url: str, submission_id: str) -> str:
    """The submission's page in the organizers' console: it stays valid, unlike a presigned link, and
    opening a PDF from it asks for a fresh one."""
    return f"{public_url.rstrip('/')}/organizers#{submission_id}"
