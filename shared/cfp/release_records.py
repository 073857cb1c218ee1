"""What decisions and releases are on record, and what the console is answered about them: the records the
use cases in ``cfp.releases`` keep (a decision job, a release with its frozen claims), the port that keeps
them (``cfp.decision_store``), and the answers' models.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from cfp.events import NotificationEvent
from cfp.model import Decision, Submission

NOTE_MAX = 2000


class ReleaseNotFound(Exception):
    """No release (or decision job) with that id, or it was forgotten."""


class ReleaseStarted(Exception):
    """The release was started already: a preview is sent once."""


def decision_marker(version: int, outcome: str) -> str:
    """The once-only marker of one decision version's mail (version 0: a decision recorded before versions
    were counted, marked by its outcome as it was then)."""
    return f"decision:v{version}" if version else f"decision:{outcome}"


def decision_sent(submission: Submission, markers: set[str]) -> bool:
    """Whether the decision standing now was mailed (an earlier one may have been)."""
    return submission.decision is not None and (
        decision_marker(submission.decision_version, submission.decision.value) in markers
    )


def in_program(submission: Submission, markers: set[str]) -> bool:
    """Whether the program lists the poster, and so whether it has a final phase: accepted, that
    acceptance mailed to its authors (nobody hears of it first), and not withdrawn."""
    return (
        not submission.withdrawn
        and submission.decision is Decision.ACCEPTED
        and decision_sent(submission, markers)
    )


@dataclass(frozen=True)
class Claim:
    """One decision version a release would send."""

    release_id: str
    submission_id: str
    version: int
    decision: str


@dataclass(frozen=True)
class DecisionJob:
    """A decision on more submissions than one transaction holds, recorded whole (every id checked first)
    and applied off the request path; applying it again changes nothing twice."""

    id: str
    by: str
    decision: str
    note: str
    created_at: datetime
    ids: tuple[str, ...]
    state: str = "applying"  # applying or done
    done: int = 0
    finished_at: datetime | None = None
    message: str = ""


@dataclass(frozen=True)
class ReleaseRecord:
    """A release as recorded: what its preview showed, frozen, and how far its sending has come."""

    id: str
    previewed_by: str
    created_at: datetime
    items: tuple[Claim, ...]
    state: str = "previewed"  # previewed, queued, sending or done
    started_by: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    done: int = 0
    sent: tuple[str, ...] = ()
    message: str = ""
    # Whether each decision mail carries the reviewers' comments for the authors (chosen at the preview).
    with_reviews: bool = False


class DecisionRecords(Protocol):
    """Decisions, their once-only sending and the release records (``cfp.decision_store``)."""

    def check_live(self, ids: list[str]) -> None: ...

    def apply_decision(
        self,
        ids: list[str],
        decision: str,
        note: str,
        by: str,
        now: datetime,
        request: str,
        progress: Callable[[int], None] | None = None,
    ) -> None: ...

    def save_decision_job(self, job: DecisionJob) -> None: ...

    def decision_job(self, job_id: str) -> DecisionJob | None: ...

    def decision_progress(self, job_id: str, done: int, message: str = "") -> None: ...

    def finish_decision_job(self, job_id: str, now: datetime) -> bool: ...

    def unstart_release(self, release_id: str) -> None: ...

    def claimed_before(self, claim: Claim, event_id: str) -> tuple[bool, bool]: ...

    def claim_many(
        self, claims: list[tuple[Claim, NotificationEvent]], by: str, now: datetime
    ) -> set[str]: ...

    def clear_outboxes(self, events: list[tuple[str, str]]) -> None: ...

    def save_release(self, record: ReleaseRecord) -> None: ...

    def release(self, release_id: str) -> ReleaseRecord | None: ...

    def start_release(self, release_id: str, by: str, now: datetime) -> bool: ...

    def release_progress(self, release_id: str, done: int, sent: list[str], message: str = "") -> None: ...

    def finish_release(self, release_id: str, done: int, now: datetime) -> bool: ...


class DecisionPublisher(Protocol):
    """The notification queue, taking a part of a release's events at once (``cfp.queues``)."""

    def publish_many(self, events: list[NotificationEvent]) -> list[str]: ...


class DecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[str] = Field(min_length=1, max_length=5000)
    decision: Decision
    note: str = Field(default="", max_length=NOTE_MAX)


class Decided(BaseModel):
    decided: list[str]
    job: str | None = Field(
        default=None, description="With many submissions: the job applying them, to follow (state applying)."
    )
    state: str = Field(default="done", description="done, or applying while the job applies them.")


class DecisionJobView(BaseModel):
    id: str
    state: str = Field(description="applying or done.")
    decision: Decision
    by: str
    created_at: datetime
    finished_at: datetime | None
    total: int
    done: int = Field(description="Of them, how many are applied.")
    message: str


class MailPreview(BaseModel):
    decision: Decision
    count: int = Field(description="Mails of this kind the release would send.")
    example_id: str
    subject: str
    text: str


class ReleaseRequest(BaseModel):
    """What a release's preview may be asked for (an empty body: the decisions alone)."""

    model_config = ConfigDict(extra="forbid")

    with_reviews: StrictBool = Field(
        default=False,
        description="Each decision mail carries the reviews' comments for the authors (never those for the "
        "organizers, never a score or a reviewer's name).",
    )


class ReleasePreview(BaseModel):
    release_id: str = Field(description="Name it to send exactly these mails.")
    with_reviews: bool = False
    pending: int
    undecided: int
    corrections: int = Field(description="Of the pending, decisions changed after their mail went out.")
    conflicted: int = Field(
        default=0,
        description="Of the pending, mails about submissions you declared a conflict with: sent with the "
        "rest, but neither their kinds nor an example are shown to you.",
    )
    mails: list[MailPreview]


class ReleaseChanges(BaseModel):
    """What changed between the preview and the start of its release."""

    decided_since: list[str] = Field(description="Decided after the preview: not in it; release again.")
    changed_since: list[str] = Field(
        description="In the preview, but changed or withdrawn since: left out; release again."
    )
    sent_since: list[str] = Field(description="In the preview, but mailed by another release since.")


class ReleaseView(BaseModel):
    id: str
    state: str = Field(description="previewed, queued, sending or done.")
    previewed_by: str
    created_at: datetime
    started_by: str | None
    started_at: datetime | None
    finished_at: datetime | None
    total: int = Field(description="Decision mails the preview showed.")
    done: int = Field(description="Of them, how many were gone through.")
    sent: list[str] = Field(description="Submissions whose decision mail this release sent.")
    message: str
    changes: ReleaseChanges | None = Field(default=None, description="Given when the release starts.")


def view_of(record: ReleaseRecord, changes: ReleaseChanges | None = None) -> ReleaseView:
    return ReleaseView(
        id=record.id,
        state=record.state,
        previewed_by=record.previewed_by,
        created_at=record.created_at,
        started_by=record.started_by,
        started_at=record.started_at,
        finished_at=record.finished_at,
        total=len(record.items),
        done=record.done,
        sent=list(record.sent),
        message=record.message,
        changes=changes,
    )


def job_message(kind: str, job_id: str) -> str:
    """The message that has the releaser apply a decision job or send a release."""
    return json.dumps({kind: job_id})
