"""The answers the console's use cases give: the list, one submission, the exports, the counts, the
operations' reports, and the requests they take."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from urllib.parse import unquote_plus

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

from cfp.archive import (
    Contents,
)
from cfp.finals import FinalView
from cfp.formatcheck.models import Verdict
from cfp.model import (
    Decision,
    parse_final_key,
    parse_upload_key,
)
from cfp.ports import (
    DeadLetterReader,
)
from cfp.reviews import (
    AGGREGATES,
    CONFIDENCES,
    SCORES,
    CommentView,
    ReviewView,
    Standing,
)
from cfp.submission_views import SubmissionFacts

if TYPE_CHECKING:
    # Mail rendering (Jinja) loads only when the console is used, so the API's cold start stays short.
    pass

# The most dead letters "show" lists (the count says how many wait in all).
DEAD_LETTERS_SHOWN = 50

ROW_COLUMNS = [
    "id",
    "title",
    "authors",
    "contact",
    "status",
    "verdict",
    "body_pages",
    "late",
    "extension",
    "decision",
    "decision_sent",
    "updated",
    "older_checker",
    *AGGREGATES,
    "conflicted",
    "conflict_suggested",
]

Cell = str | int | float | bool | None


class SubmissionList(BaseModel):
    """Every submission as one compact table (``columns`` name each row's cells), with the counts."""

    conference: str
    deadline: datetime
    deadline_text: str
    now: datetime
    columns: list[str]
    rows: list[list[Cell]]
    counts: dict[str, int] = Field(description="Submissions by status.")
    decisions: dict[str, int] = Field(
        description="accepted, rejected, undecided and unsent (decided, not mailed yet)."
    )
    scores: dict[int, str] = Field(
        default_factory=lambda: dict(SCORES), description="What each overall merit score means."
    )
    confidences: dict[int, str] = Field(
        default_factory=lambda: dict(CONFIDENCES), description="What each confidence means."
    )


class UploadDetail(BaseModel):
    version: int
    object_id: str | None
    issued_at: datetime
    uploaded_at: datetime | None = Field(description="When S3 recorded the object.")
    size: int | None
    late: bool
    current: bool = Field(description="The upload that stands for the submission.")
    after_withdrawal: bool
    verdict: Verdict | None
    older_checker: bool = Field(
        default=False,
        description="The verdict an older checker made, shown as stored until the file is measured again.",
    )
    validated_at: datetime | None
    attention: str | None
    reused_url: bool = Field(
        default=False,
        description="A further upload with an upload URL already used: kept, never checked or mailed about.",
    )


class AuditView(BaseModel):
    at: datetime
    by: str
    action: str
    detail: str


class SubmissionDetail(SubmissionFacts):
    """Everything on record about one submission (never its token's hash), as the organizer asking may see
    it: a conflicted organizer gets no decision (null), reviews or comments."""

    extension_until: datetime | None
    extension_granted_by: str | None
    extension_granted_at: datetime | None
    bounced: list[str]
    decision: Decision | None
    decision_note: str
    decided_by: str | None
    decided_at: datetime | None
    decision_sent: bool | None
    versions: list[UploadDetail]
    history: list[AuditView]
    standing: Standing | None = Field(
        default=None, description="The reviewing as the signed-in organizer may see it."
    )
    reviews: list[ReviewView] = Field(
        default_factory=list,
        description="Every review once the signed-in organizer has submitted theirs; until then only their "
        "own; none for a conflicted organizer.",
    )
    comments: list[CommentView] = Field(
        default_factory=list, description="The organizers' discussion, under the same rules as reviews."
    )
    final: FinalView | None = Field(
        default=None,
        description="Once the acceptance was mailed: the final phase (final abstract, poster, presenter, "
        "consent, what is missing). Null otherwise, and in exports.",
    )


class Export(BaseModel):
    """Everything on record, as ``cfp admin export --format json`` and the console's JSON export give it."""

    conference: str
    deadline: datetime
    exported_at: datetime
    submissions: list[SubmissionDetail]


class Stats(BaseModel):
    total: int
    by_status: dict[str, int]
    decisions: dict[str, int]
    late: int
    extensions: int
    deadline_text: str
    time_left: str


class Reconciliation(BaseModel):
    """What ``reconcile`` found: objects without a record or a verdict, or judged by an older checker
    (their checks re-queued), and records whose file is gone from the bucket."""

    unrecorded: list[str]
    unjudged: list[str]
    missing_files: list[str]
    requeued: int
    measured_by_older: list[str] = Field(
        default_factory=list, description="Judged objects whose facts an older checker measured."
    )


def _instant_as_text(value: object) -> object:
    """An instant comes as ISO 8601 text (or, from Python, a datetime): a number is refused, where pydantic
    would read it as seconds since 1970."""
    if not isinstance(value, (str, datetime)):
        raise ValueError("must be an ISO 8601 instant with its offset, such as 2017-09-07T23:59:59-12:00")
    return value


class ExtensionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[str] = Field(min_length=1, max_length=5000)
    # With its offset: an instant without one would be stored and break every later comparison with it.
    until: Annotated[AwareDatetime, BeforeValidator(_instant_as_text)]


class ArchiveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    include_late: StrictBool = Field(
        default=False, description="Late uploads too, each beside the on-time one."
    )
    contents: Contents = Field(
        default="first",
        description="first: each submission's version on record; finals: each accepted poster's final "
        "abstract; posters: each accepted poster's poster PDF.",
    )


class DeadLetterView(BaseModel):
    """One dead letter, told by what it is about (ids only: nothing an author wrote, no address)."""

    message_id: str
    sent_at: datetime | None = Field(description="When the message was first sent to its queue.")
    deliveries: int = Field(description="How often it was delivered before it was set aside.")
    about: str


class DeadLetterListing(BaseModel):
    queue: str
    count: int = Field(description="Messages waiting (SQS's approximate count).")
    shown: list[DeadLetterView] = Field(description=f"Up to {DEAD_LETTERS_SHOWN} of them, oldest first.")


class Redriven(BaseModel):
    queue: str
    moved: int


def describe_dead_letter(body: str, upload_prefix: str) -> str:
    """What a dead letter is about, from its body: the upload check, the mail or the archive it carries."""
    try:
        message = json.loads(body)
    except ValueError:
        return "a message that is not JSON"
    if not isinstance(message, dict):
        return "a message of an unknown kind"
    if message.get("Event") == "s3:TestEvent":
        return "S3's test event (nothing to check)"
    if isinstance(message.get("Records"), list):
        checks = []
        for record in message["Records"]:
            key = unquote_plus(str(((record or {}).get("s3") or {}).get("object", {}).get("key", "")))
            first, final = parse_upload_key(upload_prefix, key), parse_final_key(upload_prefix, key)
            if first is not None:
                checks.append(f"submission {first[0]}, version {first[1]}")
            elif final is not None:
                kind = "poster" if "/poster-v" in key else "final abstract"
                checks.append(f"submission {final[0]}, {kind} {final[1]}")
            else:
                checks.append("an object the service never issued")
        return "the check of " + "; ".join(checks or ["nothing"])
    if isinstance(message.get("kind"), str) and "event_id" in message:
        kind = message["kind"].replace("_", " ")
        about = message.get("submission_id")
        return f"the {kind} mail for submission {about}" if about else f"the {kind} mail for the whole call"
    if isinstance(message.get("job_id"), str):
        return f"the archive {message['job_id']}"
    if isinstance(message.get("release_id"), str):
        return f"the release of decisions {message['release_id']}"
    if isinstance(message.get("decision_job"), str):
        return f"the decision on many submissions {message['decision_job']}"
    return "a message of an unknown kind"


@dataclass(frozen=True)
class DeadLetterQueue:
    """A dead-letter queue and the queue its messages came from."""

    name: str
    dead_letters: DeadLetterReader
    source_url: str
