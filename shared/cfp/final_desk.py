"""The organizers' side of the final phase: a checklist per accepted poster (final abstract, poster,
presenter, consent), mailing everyone still missing something (previewed first, each author mailed once per
send), and more time for the final versions.

Only submissions in the program (accepted, acceptance mailed, not withdrawn) have a final phase. A send is
named by its preview: sending the same preview twice mails nobody twice, because each mail's event id
carries the preview's id.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from cfp import deadline as rules
from cfp import events
from cfp.clock import Clock
from cfp.errors import SubmissionNotFound, UploadNotFound
from cfp.finals import MISSING, FinalView, Missing, current_final, final_view, missing_of
from cfp.instants import InstantOutOfRange, check_extension
from cfp.model import Submission, Version, Window
from cfp.neutral import neutral
from cfp.ports import (
    Bookkeeping,
    EventPublisher,
    FinalRepository,
    Snapshot,
    SubmissionRepository,
    UploadStorage,
)
from cfp.release_records import in_program
from cfp.settings import NO_FINAL_DEADLINE, Settings
from cfp.upload_views import PdfLink, link_to_upload

Wanted = Literal["abstract", "poster", "presenter", "consent", "anything"]
CHECKLIST_COLUMNS = [
    "id",
    "title",
    "presenter",
    "abstract",
    "poster",
    "consent",
    "missing",
    "late",
    "extension",
]


class ChecklistRow(BaseModel):
    id: str
    title: str
    presenter: str
    abstract: str = Field(description="The counted final abstract's outcome, checking, or missing.")
    poster: str = Field(description="The counted poster's outcome, checking, or missing.")
    consent: str = Field(
        description="What the program may link to: abstract, poster, both, none; or missing."
    )
    missing: list[Missing]
    late: int = Field(description="Final uploads that arrived after the final deadline (kept, not counted).")
    extension: datetime | None


class Checklist(BaseModel):
    """Every poster in the final phase, with what it still misses and the counts."""

    deadline: datetime | None
    deadline_text: str
    columns: list[str] = Field(default_factory=lambda: list(CHECKLIST_COLUMNS))
    rows: list[ChecklistRow]
    missing: dict[str, int] = Field(
        description="How many posters miss each item; complete: how many miss none."
    )

    def missing_text(self) -> str:
        """The counts in words: ``2 final abstracts, 1 poster, 2 presenters, 0 publication choices``."""
        words = (
            ("abstract", "final abstract"),
            ("poster", "poster"),
            ("presenter", "presenter"),
            ("consent", "publication choice"),
        )
        return ", ".join(
            f"{self.missing[key]} {word}{'' if self.missing[key] == 1 else 's'}" for key, word in words
        )


class MissingMailRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    missing: Wanted = Field(description="Mail the authors still missing this (anything: any item).")
    send: str | None = Field(
        default=None,
        pattern=r"^[a-f0-9]{16}$",
        description="The preview's id: send exactly the mails it showed. Left out: preview only.",
    )


class MissingMailPreview(BaseModel):
    send_id: str = Field(
        description="Send these mails by giving this id back; a second send mails nobody again."
    )
    missing: Wanted
    recipients: list[ChecklistRow]
    sent: int = Field(default=0, description="Mails queued by this answer (0 for a preview).")


class FinalExtensionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[str] = Field(min_length=1, max_length=5000)
    until: AwareDatetime


def _outcome(version: Version | None) -> str:
    if version is None:
        return "missing"
    if version.verdict is None:
        return "needs attention" if version.attention else "checking"
    return version.verdict.outcome


def checklist_row(submission: Submission, finals: list[Version], window: Window) -> ChecklistRow:
    consent = "missing"
    if submission.final_confirmed_at is not None:
        choices = (("abstract", submission.publish_abstract), ("poster", submission.publish_poster))
        chosen = [name for name, on in choices if on]
        consent = " and ".join(chosen) or "none"
    return ChecklistRow(
        id=submission.id,
        title=neutral(submission.title),
        presenter=neutral(submission.presenter),
        abstract=_outcome(current_final(submission, finals, "final", window)),
        poster=_outcome(current_final(submission, finals, "poster", window)),
        consent=consent,
        missing=missing_of(submission, finals, window),
        late=sum(1 for v in finals if v.counted and window.is_late(submission, v)),
        extension=submission.final_extension_until,
    )


def checklist_of(snapshot: Snapshot, window: Window) -> Checklist:
    """The checklist of every poster in the final phase, under the final ``window``."""
    rows = [
        checklist_row(submission, snapshot.finals.get(submission.id, []), window)
        for submission, _ in snapshot.records
        if in_program(submission, snapshot.markers.get(submission.id, set()))
    ]
    counts: Counter[str] = Counter()
    for row in rows:
        counts.update(row.missing)
        counts["complete"] += not row.missing
    deadline = None if window.deadline >= NO_FINAL_DEADLINE else window.deadline
    return Checklist(
        deadline=deadline,
        deadline_text=rules.describe(deadline) if deadline else "no final deadline set",
        rows=rows,
        missing={name: counts.get(name, 0) for name in (*MISSING, "complete")},
    )


def _misses(row: ChecklistRow, wanted: Wanted) -> bool:
    return bool(row.missing) if wanted == "anything" else wanted in row.missing


@dataclass(frozen=True, kw_only=True)
class FinalDesk:
    """The organizers' use cases of the final phase."""

    settings: Settings
    store: SubmissionRepository
    bookkeeping: Bookkeeping
    finals: FinalRepository
    queue: EventPublisher
    clock: Clock
    bucket: UploadStorage

    def checklist(self) -> Checklist:
        return checklist_of(self.store.snapshot(), self.settings.final_window)

    def show(self, submission_id: str) -> FinalView | None:
        """One submission's final phase, or None when it has none."""
        submission, _ = self.store.get(submission_id)
        if not in_program(submission, self.bookkeeping.markers(submission_id)):
            return None
        return final_view(submission, self.finals.finals(submission_id), self.settings)

    def pdf_link(self, submission_id: str, number: int, object_id: str | None = None) -> PdfLink:
        """A presigned GET of exactly that final upload, valid for a few minutes."""
        self.store.get(submission_id)
        finals = self.finals.finals(submission_id)
        link = link_to_upload(finals, number, object_id, self.bucket.download_link, self.clock.now())
        if link is None:
            raise UploadNotFound(f"submission {submission_id} has no final upload {number}")
        return link

    def mail_missing(self, request: MissingMailRequest, by: str) -> MissingMailPreview:
        """Preview (no ``send``) or send the reminder to every author still missing ``request.missing``.
        The preview's id names its recipients: a send whose id no longer matches (someone sent the item
        meanwhile, or a new poster joined) mails only those still missing it, each once per id."""
        rows = [row for row in self.checklist().rows if _misses(row, request.missing)]
        send_id = hashlib.sha256(
            "|".join([request.missing, *sorted(row.id for row in rows)]).encode()
        ).hexdigest()[:16]
        preview = MissingMailPreview(
            send_id=request.send or send_id, missing=request.missing, recipients=rows
        )
        if request.send is None:
            return preview
        now = self.clock.now()
        for row in rows:
            self.queue.publish(events.final_reminder(row.id, now, request.missing, request.send, by))
        self.bookkeeping.audit(by, "mailed missing", f"{request.missing}: {len(rows)} authors", now)
        return preview.model_copy(update={"sent": len(rows)})

    def extend(self, request: FinalExtensionRequest, by: str) -> list[str]:
        """More time for the final versions of these posters (all or, for one not in the program, none)."""
        found: list[Submission] = []
        for submission_id in dict.fromkeys(request.ids):
            submission, _ = self.store.get(submission_id)
            if not in_program(submission, self.bookkeeping.markers(submission_id)):
                raise SubmissionNotFound(f"{submission_id} in the final phase")
            found.append(submission)
        deadline = self.settings.final_deadline
        if deadline is None:
            raise InstantOutOfRange("until", "the call sets no final deadline, so there is nothing to extend")
        check_extension(request.until, deadline, "the final deadline")
        now = self.clock.now()
        for submission in found:
            self.finals.extend_final(submission.id, request.until, now)
            self.bookkeeping.audit(
                by, "extended finals", f"until {rules.describe(request.until)}", now, submission.id
            )
        return [s.id for s in found]
