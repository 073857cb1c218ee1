"""From an S3 upload event to a stored verdict and a notification.

S3 sends at least once and in any order, moto leaves out fields AWS sends, and keys arrive URL-encoded
(``+`` for a space). So the event is parsed leniently (Powertools' ``S3Model`` requires ``userIdentity``,
``requestParameters``, ``responseElements`` and ``sequencer``, which moto omits) and keys are decoded.
Each object is judged once and stored as its own item, so a replay changes nothing and a second upload to
the same slot never overwrites the first. The notification is published even on a replay, because the
first attempt may have died between the two writes; the notifier sends each mail once per event id.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote_plus, unquote_plus

from pydantic import BaseModel, ConfigDict, Field

from cfp import events
from cfp.clock import Clock
from cfp.errors import SubmissionNotFound
from cfp.formatcheck.models import Verdict
from cfp.model import Submission, Version, find_upload, parse_final_key, parse_upload_key, upload_order
from cfp.observability import logger
from cfp.ports import EventPublisher, FinalRepository, StoredObject, SubmissionRepository, UploadStorage
from cfp.settings import Settings


class _S3Object(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    key: str
    size: int = 0
    etag: str = Field(default="", alias="eTag")
    version_id: str | None = Field(default=None, alias="versionId")
    sequencer: str | None = None


class _S3Bucket(BaseModel):
    name: str


class _S3Entity(BaseModel):
    bucket: _S3Bucket
    object: _S3Object


class _S3Record(BaseModel):
    """One record of an S3 event notification; only the fields both AWS and moto send are required."""

    event_name: str = Field(alias="eventName")
    event_time: datetime = Field(alias="eventTime")
    s3: _S3Entity


class UploadedObject(BaseModel):
    """An object S3 says was created, with its key decoded."""

    bucket: str
    key: str
    size: int
    etag: str
    version_id: str | None
    sequencer: str | None = None
    uploaded_at: datetime


def uploaded_objects(body: str, prefix: str) -> list[UploadedObject]:
    """The created objects under ``prefix`` in one SQS message body; [] for the S3 test event.

    Raises ValueError for a body that is neither, so it is retried and then dead-lettered.
    """
    message = json.loads(body)
    if isinstance(message, dict) and message.get("Event") == "s3:TestEvent":
        return []
    if not isinstance(message, dict) or not isinstance(message.get("Records"), list):
        raise ValueError("not an S3 event notification")
    found = []
    for raw in message["Records"]:
        record = _S3Record.model_validate(raw)
        if not record.event_name.startswith("ObjectCreated:"):
            continue
        key = unquote_plus(record.s3.object.key)
        if not key.startswith(prefix):
            logger.info("ignoring an object outside the uploads prefix", extra={"key": key})
            continue
        found.append(
            UploadedObject(
                bucket=record.s3.bucket.name,
                key=key,
                size=record.s3.object.size,
                etag=record.s3.object.etag.strip('"'),
                version_id=record.s3.object.version_id,
                sequencer=record.s3.object.sequencer,
                uploaded_at=record.event_time,
            )
        )
    return found


Checker = Callable[[bytes], Verdict]


@dataclass(frozen=True, kw_only=True)
class UploadValidator:
    """Checks one uploaded object and records the outcome on its version."""

    settings: Settings
    store: SubmissionRepository
    bucket: UploadStorage
    queue: EventPublisher
    clock: Clock
    checker: Checker
    # The final phase: its uploads' slots, and the check a poster gets (a final abstract gets ``checker``).
    finals: FinalRepository
    poster_checker: Checker

    def validate(self, upload: UploadedObject) -> Verdict | None:
        """Judge the upload and store the verdict; None when the key was never issued by the service."""
        found = self._slot(upload)
        if found is None:
            return None
        submission, record, versions = found
        stored = find_upload(versions, record.number, record.object_id)
        if stored is not None and stored.reused_url:
            logger.info("a further upload with a used URL is kept, not checked", extra={"key": upload.key})
            return None
        if (
            stored is not None
            and stored.kind == "abstract"
            and stored.verdict is not None
            and stored.verdict.measured_by_older_checker()
        ):
            return self._measure_again(submission, stored, stored.verdict, upload)
        if stored is not None and stored.verdict is not None and stored.remeasured_from is not None:
            logger.info("upload already measured again; its event went with it", extra={"key": upload.key})
            return stored.verdict
        if stored is not None and stored.verdict is not None:
            verdict = stored.verdict
            logger.info("upload already judged; republishing its notification", extra={"key": upload.key})
        else:
            if stored is None:
                self.store.record_upload(submission.id, record)
                # Read again: an upload with the same URL recorded meanwhile by another batch is seen.
                versions = self._uploads_like(record, submission.id)
            if reused_url(record, versions):
                self._flag(submission, record.model_copy(update={"reused_url": True}), _REUSED)
                return None
            if stored is None and self._over_the_limit(versions):
                self._flag(submission, record, self._limit_reason())
                return None
            verdict = self._check(record, upload)
            judged = record.model_copy(update={"verdict": verdict, "validated_at": self.clock.now()})
            if not self.store.record_verdict(submission.id, judged):
                logger.info("a concurrent delivery judged this upload first", extra={"key": upload.key})
        self.queue.publish(self._event(submission, record, verdict))
        return verdict

    def _uploads_like(self, record: Version, submission_id: str) -> list[Version]:
        """The uploads of the same phase as ``record``: the first versions, or the final uploads."""
        if record.kind != "abstract":
            return self.finals.finals(submission_id)
        return self.store.get(submission_id)[1]

    def _check(self, record: Version, upload: UploadedObject) -> Verdict:
        """A poster gets the poster check; an abstract, first or final, the abstract's."""
        poster = record.kind == "poster"
        most = self.settings.max_poster_bytes if poster else self.settings.max_upload_bytes
        data = self.bucket.read(upload.key, upload.version_id, most)
        return self.poster_checker(data) if poster else self.checker(data)

    def _event(self, submission: Submission, record: Version, verdict: Verdict) -> events.NotificationEvent:
        object_id, now = record.object_id or "", self.clock.now()
        if record.kind == "abstract":
            late = self.settings.window.is_late(submission, record)
            return events.verdict(submission.id, record.number, object_id, now, late)
        late = self.settings.final_window.is_late(submission, record)
        codes = [problem.code for problem in verdict.problems]
        return events.final_verdict(
            submission.id, record.kind, record.number, object_id, now, late, verdict.outcome, codes
        )

    def _measure_again(
        self, submission: Submission, record: Version, before: Verdict, upload: UploadedObject
    ) -> Verdict:
        """Measure again an upload whose facts an older measurer produced, and replace its verdict; the
        upload stays as recorded (a re-queued event carries the listing's time, not S3's first record).

        The author was told the stored verdict's outcome, so they are mailed again only when the new one
        differs: the event (with an id of its own, so the first mail's record does not swallow it) is
        written with the verdict, all or none, and queued from there. The same outcome changes the details
        (pages, problems) silently, on the console and the authors' page. A redelivery, or a second check
        queued meanwhile, finds the upload measured again and publishes nothing: its event, if any, was
        written with the verdict, and the deadline keeper queues what the validator could not."""
        data = self.bucket.read(upload.key, upload.version_id, self.settings.max_upload_bytes)
        verdict = self.checker(data)
        judged = record.model_copy(
            update={"verdict": verdict, "validated_at": self.clock.now(), "remeasured_from": before.outcome}
        )
        event = None
        if verdict.outcome != before.outcome:
            late = self.settings.window.is_late(submission, record)
            event = events.verdict(
                submission.id,
                record.number,
                record.object_id or "",
                self.clock.now(),
                late,
                measured_again=verdict.facts.measurer,
            )
        if not self.store.replace_stale_verdict(submission.id, judged, event):
            logger.info("this upload was measured again already", extra={"key": upload.key})
            return verdict
        logger.info(
            "measured again with the current checker",
            extra={"key": upload.key, "before": before.outcome, "after": verdict.outcome},
        )
        if event is not None:
            self.queue.publish(event)
            self.store.clear_outbox(submission.id, event.event_id)
        return verdict

    def _over_the_limit(self, versions: list[Version]) -> bool:
        """True when the submission already has as many uploads as the call checks: one upload URL can be
        used again until it expires, so this bounds what one author can make the validator do."""
        most = self.settings.max_uploads_per_submission
        return bool(most) and sum(1 for v in versions if v.counted) > most

    def _limit_reason(self) -> str:
        most = self.settings.max_uploads_per_submission
        return f"not checked: the submission already has {most} uploads, the most the call checks"

    def _flag(self, submission: Submission, record: Version, reason: str) -> None:
        flag_for_attention(self.store, self.queue, self.clock, submission, record, reason)

    def give_up(self, upload: UploadedObject, error: Exception) -> None:
        """The last delivery failed: flag the upload and tell the organizers before the message is
        dead-lettered."""
        found = self._slot(upload)
        if found is None:
            return
        submission, record, _ = found
        reason = (
            f"the upload could not be checked ({type(error).__name__}); "
            "its message is going to the dead-letter queue"
        )
        self._flag(submission, record, reason)

    def _slot(self, upload: UploadedObject) -> tuple[Submission, Version, list[Version]] | None:
        return locate(self.store, self.finals, self.settings.upload_prefix, upload)


_REUSED = (
    "a further upload with an upload URL already used: kept, not checked and not mailed about; "
    "the first upload with that URL stands"
)


def reused_url(record: Version, versions: list[Version]) -> bool:
    """True when another object already stands for ``record``'s upload URL (its slot): one judged or
    flagged, or one S3 recorded earlier. Each upload is recorded before this is asked, so of two uploads
    with one URL handled at once, the later one by S3's order gives way whichever batch sees it first."""
    for other in versions:
        if other.number != record.number or not other.counted or other.object_id == record.object_id:
            continue
        if other.verdict is not None or other.attention is not None:
            return True
        if upload_order(other) < upload_order(record):
            return True
    return False


def locate(
    store: SubmissionRepository, finals: FinalRepository, prefix: str, upload: UploadedObject
) -> tuple[Submission, Version, list[Version]] | None:
    """The submission, a record of this object in its slot, and what is stored already in its phase (the
    first versions, or the final uploads); None for a key the service never issued."""
    owner = parse_upload_key(prefix, upload.key)
    final_owner = parse_final_key(prefix, upload.key) if owner is None else None
    found = owner or final_owner
    if found is None:
        logger.warning("ignoring an upload at a key the service never issued", extra={"key": upload.key})
        return None
    submission_id, number = found
    try:
        submission, versions = store.get(submission_id)
        if final_owner is not None:
            versions = finals.finals(submission_id)
    except SubmissionNotFound:
        logger.warning("ignoring an upload for an unknown submission", extra={"key": upload.key})
        return None
    slot = next((v for v in versions if v.number == number), None)
    if slot is None:
        logger.warning("ignoring an upload for a version never issued", extra={"key": upload.key})
        return None
    record = slot.model_copy(
        update={
            "object_id": object_id_of(upload.version_id, upload.etag),
            "version_id": upload.version_id,
            "uploaded_at": upload.uploaded_at,
            "sequencer": upload.sequencer,
            "size": upload.size,
            "etag": upload.etag,
            "verdict": None,
            "validated_at": None,
            "attention": None,
            "remeasured_from": None,
        }
    )
    return submission, record, versions


def flag_for_attention(
    store: SubmissionRepository,
    queue: EventPublisher,
    clock: Clock,
    submission: Submission,
    record: Version,
    reason: str,
) -> None:
    """Keep the upload, mark it for the organizers (the next digest names it), mail the author nothing."""
    store.mark_attention(submission.id, record, reason)
    queue.publish(events.attention(submission.id, record.number, record.object_id or "", reason, clock.now()))


def object_id_of(version_id: str | None, etag: str) -> str:
    """How the service names one stored object: S3's version id (the bucket is versioned), else its ETag."""
    return version_id or etag


def s3_event_body(bucket: str, stored: StoredObject) -> str:
    """An S3 event notification for an object whose own event never reached the validator, shaped as S3
    sends it, so the validator checks it like any other upload."""
    return json.dumps(
        {
            "Records": [
                {
                    "eventVersion": "2.1",
                    "eventSource": "aws:s3",
                    "eventName": "ObjectCreated:Post",
                    "eventTime": stored.last_modified.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                    "s3": {
                        "bucket": {"name": bucket},
                        "object": {
                            "key": quote_plus(stored.key, safe="/"),
                            "size": stored.size,
                            "eTag": stored.etag,
                            **({"versionId": stored.version_id} if stored.version_id else {}),
                        },
                    },
                }
            ]
        }
    )


@dataclass(frozen=True, kw_only=True)
class DeadLetterSweep:
    """Flags every upload whose message reached the validation dead-letter queue, whatever killed its last
    try (an exception, a timeout, an out-of-memory kill, a crash at start): the submission shows it as
    needing attention and the next digest names it. The messages stay in the queue for operators."""

    settings: Settings
    store: SubmissionRepository
    queue: EventPublisher
    clock: Clock
    finals: FinalRepository

    def run(self, bodies: list[str]) -> int:
        """Flag the uploads named in these dead-lettered messages; returns how many were newly flagged."""
        flagged = 0
        for body in bodies:
            try:
                uploads = uploaded_objects(body, self.settings.upload_prefix)
            except ValueError:
                logger.warning("a dead-lettered message is not an S3 event")
                continue
            for upload in uploads:
                flagged += self._flag(upload)
        return flagged

    def _flag(self, upload: UploadedObject) -> int:
        found = locate(self.store, self.finals, self.settings.upload_prefix, upload)
        if found is None:
            return 0
        submission, record, versions = found
        stored = find_upload(versions, record.number, record.object_id)
        if stored is not None and (stored.verdict is not None or stored.attention is not None):
            return 0
        reason = "the upload could not be checked after every retry; its message is in the dead-letter queue"
        flag_for_attention(self.store, self.queue, self.clock, submission, record, reason)
        return 1
