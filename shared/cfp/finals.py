"""The final phase: once a poster's acceptance has been mailed, its authors send the final abstract (checked
with the first version's rules) and the poster (checked for the call's shape), name who presents, and
choose what the public program may publish.

It has a deadline of its own (``FinalDeadline``, to the second, with per-submission extensions), and what
arrives after it is kept and marked late, like the first phase's late uploads. Rejected, undecided and not
yet released submissions have no final phase.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from cfp import deadline as rules
from cfp.clock import Clock
from cfp.errors import LimitReached, RateLimited
from cfp.model import NAME_MAX, RequiredLine, Submission, UploadKind, Version, Window, final_key, upload_order
from cfp.ports import Bookkeeping, FinalRepository, UploadStorage
from cfp.release_records import in_program
from cfp.settings import NO_FINAL_DEADLINE, Settings
from cfp.upload_views import UploadIssued, UploadTicket, VersionView

Missing = Literal["abstract", "poster", "presenter", "consent"]
MISSING: tuple[Missing, ...] = ("abstract", "poster", "presenter", "consent")
# How each missing item is named to authors and organizers.
MISSING_WORDS: dict[Missing, str] = {
    "abstract": "the final abstract",
    "poster": "the poster",
    "presenter": "who presents the poster",
    "consent": "what the program may publish",
}
# The API's names for what is uploaded, and the upload kinds they stand for.
FINAL_UPLOADS: dict[str, UploadKind] = {"abstract": "final", "poster": "poster"}


class FinalNotOpen(Exception):
    """The submission has no final phase: it was not accepted, or its acceptance was not mailed yet."""


class FinalClosed(Exception):
    """The final deadline has passed for this submission."""

    def __init__(self, closed_at: datetime) -> None:
        super().__init__(f"the final versions were due by {rules.describe(closed_at)}")
        self.closed_at = closed_at


class NotAnAuthor(ValueError):
    """The presenter named is not one of the submission's authors."""

    field = "presenter"


class FinalUploadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["abstract", "poster"] = Field(description="The final abstract, or the poster.")


class FinalDetails(BaseModel):
    """Who presents, and what the public program may link to; sent whole each time."""

    model_config = ConfigDict(extra="forbid")

    presenter: Annotated[RequiredLine, Field(min_length=1, max_length=NAME_MAX)] = Field(
        description="The author who presents the poster, by name as listed."
    )
    publish_abstract: bool = Field(description="May the public program link to the final abstract's PDF?")
    publish_poster: bool = Field(description="May the public program link to the poster's PDF?")


class FinalView(BaseModel):
    """The final phase as it stands for one accepted submission."""

    abstract: VersionView | None = Field(description="The final abstract that counts: the newest on time.")
    poster: VersionView | None = Field(description="The poster that counts: the newest on time.")
    presenter: str
    publish_abstract: bool
    publish_poster: bool
    confirmed_at: datetime | None = Field(description="When the presenter and consent were last confirmed.")
    deadline: datetime | None = Field(description="The final deadline for this submission; null: none set.")
    missing: list[Missing] = Field(description="What is still to send: a failed upload counts as missing.")
    uploads: list[VersionView] = Field(description="Every final upload, on time or late, in slot order.")
    poster_size: str = Field(description="The size the call asks posters to be, as the check applies it.")
    max_poster_bytes: int
    max_abstract_bytes: int


def current_final(
    submission: Submission, finals: list[Version], kind: UploadKind, window: Window
) -> Version | None:
    """The final upload of ``kind`` that counts: the newest on time, whatever order events came in."""
    on_time = [v for v in finals if v.kind == kind and v.counted and not window.is_late(submission, v)]
    return max(on_time, key=upload_order) if on_time else None


def missing_of(submission: Submission, finals: list[Version], window: Window) -> list[Missing]:
    """What an accepted submission still has to send; an upload that failed its check is still missing."""
    missing: list[Missing] = []
    for name, kind in FINAL_UPLOADS.items():
        current = current_final(submission, finals, kind, window)
        if current is None or (current.verdict is not None and current.verdict.outcome == "fail"):
            missing.append("abstract" if name == "abstract" else "poster")
    if not submission.presenter:
        missing.append("presenter")
    if submission.final_confirmed_at is None:
        missing.append("consent")
    return missing


def version_view(submission: Submission, version: Version, window: Window) -> VersionView:
    return VersionView(
        version=version.number,
        kind=version.kind,
        issued_at=version.issued_at,
        uploaded_at=version.uploaded_at,
        size=version.size,
        late=window.is_late(submission, version),
        verdict=version.verdict,
        attention=version.attention,
        after_withdrawal=submission.uploaded_after_withdrawal(version),
    )


def final_view(submission: Submission, finals: list[Version], settings: Settings) -> FinalView:
    window = settings.final_window
    abstract = current_final(submission, finals, "final", window)
    poster = current_final(submission, finals, "poster", window)
    deadline = window.deadline_for(submission)
    return FinalView(
        abstract=version_view(submission, abstract, window) if abstract else None,
        poster=version_view(submission, poster, window) if poster else None,
        presenter=submission.presenter,
        publish_abstract=submission.publish_abstract,
        publish_poster=submission.publish_poster,
        confirmed_at=submission.final_confirmed_at,
        deadline=None if deadline >= NO_FINAL_DEADLINE else deadline,
        missing=missing_of(submission, finals, window),
        uploads=[version_view(submission, v, window) for v in finals if v.uploaded],
        poster_size=settings.poster_spec.describe(),
        max_poster_bytes=settings.max_poster_bytes,
        max_abstract_bytes=settings.max_upload_bytes,
    )


@dataclass(frozen=True, kw_only=True)
class FinalPhase:
    """The authors' use cases of the final phase, on a submission whose token was already checked."""

    settings: Settings
    bookkeeping: Bookkeeping
    finals: FinalRepository
    bucket: UploadStorage
    clock: Clock

    def opens_for(self, submission: Submission, markers: set[str] | None = None) -> bool:
        """Whether the submission has a final phase: accepted, and that acceptance mailed to its authors
        (its ``markers`` read here unless the caller has them)."""
        return in_program(submission, self.bookkeeping.markers(submission.id) if markers is None else markers)

    def open_now(self, submission: Submission) -> bool:
        """Whether the submission is in its final phase and the final deadline has not passed for it."""
        return self.opens_for(submission) and self.settings.final_window.is_open(self.clock.now(), submission)

    def view(self, submission: Submission) -> FinalView | None:
        return self.view_and_pdfs(submission)[0]

    def view_and_pdfs(
        self, submission: Submission, markers: set[str] | None = None
    ) -> tuple[FinalView | None, list[str]]:
        """The final phase, and which PDFs the program would link to (abstract, poster), from one read."""
        if not self.opens_for(submission, markers):
            return None, []
        finals = self.finals.finals(submission.id)
        chosen = publishable(submission, finals, self.settings.final_window)
        return final_view(submission, finals, self.settings), list(chosen)

    def _require_open(self, submission: Submission) -> None:
        if not self.opens_for(submission):
            raise FinalNotOpen(
                "only accepted posters have a final phase, once the acceptance has been sent to the authors"
            )
        window = self.settings.final_window
        if not window.is_open(self.clock.now(), submission):
            raise FinalClosed(window.deadline_for(submission))

    def issue_upload(self, submission: Submission, what: str) -> UploadIssued:
        """A new final slot for the final abstract or the poster, and the presigned POST that fills it; the
        URL never outlives the final deadline (plus grace)."""
        self._require_open(submission)
        kind = FINAL_UPLOADS[what]
        now = self.clock.now()
        settings = self.settings
        expires_at = settings.final_window.upload_expiry(
            now, timedelta(seconds=settings.upload_url_ttl_seconds), submission
        )
        most = settings.max_uploads_per_submission
        prefix = settings.upload_prefix
        try:
            version = self.finals.issue_final(
                submission.id,
                kind,
                lambda n: final_key(prefix, submission.id, kind, n),
                now,
                expires_at,
                most,
            )
        except LimitReached as error:
            raise RateLimited(
                f"this submission has been given {most} final upload URLs, the most the call allows; "
                "write to the organizers if you need another"
            ) from error
        max_bytes = settings.max_poster_bytes if kind == "poster" else settings.max_upload_bytes
        presigned = self.bucket.presign_post(version.key, max_bytes, self.clock.now(), expires_at)
        ticket = UploadTicket(
            version=version.number,
            url=presigned.url,
            fields=presigned.fields,
            expires_at=expires_at,
            max_bytes=max_bytes,
        )
        return UploadIssued(upload=ticket)

    def confirm(self, submission: Submission, details: FinalDetails) -> FinalView:
        """Record the presenter and the consent. After the final deadline consent can still be withdrawn,
        and nothing else changes."""
        if not self.opens_for(submission):
            raise FinalNotOpen(
                "only accepted posters have a final phase, once the acceptance has been sent to the authors"
            )
        presenter = _listed_author(submission, details.presenter)
        window = self.settings.final_window
        if not window.is_open(self.clock.now(), submission):
            withdrawing_only = (
                presenter == submission.presenter
                and details.publish_abstract <= submission.publish_abstract
                and details.publish_poster <= submission.publish_poster
            )
            if not withdrawing_only:
                raise FinalClosed(window.deadline_for(submission))
        saved = self.finals.save_details(
            submission.id, presenter, details.publish_abstract, details.publish_poster, self.clock.now()
        )
        return final_view(saved, self.finals.finals(submission.id), self.settings)


def _listed_author(submission: Submission, name: str) -> str:
    """The author's name as listed, matched without regard to case or spacing; NotAnAuthor otherwise."""
    wanted = " ".join(name.split()).casefold()
    for author in submission.authors:
        if " ".join(author.name.split()).casefold() == wanted:
            return author.name
    listed = ", ".join(author.name for author in submission.authors)
    raise NotAnAuthor(f"must be one of the authors as listed: {listed}")


def publishable(submission: Submission, finals: list[Version], window: Window) -> dict[str, Version]:
    """The final uploads the public program may link to, by what they are (abstract, poster): those the
    authors agreed to publish, counted (on time) and not failing their check."""
    chosen = {"abstract": submission.publish_abstract, "poster": submission.publish_poster}
    found: dict[str, Version] = {}
    for name, kind in FINAL_UPLOADS.items():
        current = current_final(submission, finals, kind, window) if chosen[name] else None
        if current is not None and current.verdict is not None and current.verdict.outcome != "fail":
            found[name] = current
    return found
