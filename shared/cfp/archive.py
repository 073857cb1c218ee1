"""One zip of the PDFs on record, built in the background: which uploads go in, what each entry is called,
and a build that reports its progress and survives being run twice.

The console records a job and queues it; the archiver function calls ``ArchiveBuilder.build`` with it. The
zip is streamed: each PDF is read from the bucket in chunks and written, compressed, to an object under
its own prefix in parts, so neither the zip nor any one PDF is ever whole in memory or on disk. Entry
names are made here only, for the zip and for ``cfp admin download`` alike.
"""

from __future__ import annotations

import json
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from cfp.clock import Clock
from cfp.errors import ObjectUnreadable
from cfp.finals import current_final
from cfp.model import Submission, UploadKind, Version, Window, current_version, late_versions, upload_order
from cfp.observability import logger
from cfp.ports import (
    ArchiveJob,
    ArchiveJobs,
    ArchiveStorage,
    ArchiveWriter,
    Snapshot,
    SubmissionRepository,
    UploadStorage,
)
from cfp.release_records import in_program
from cfp.settings import Settings

# The zip is deleted this long after it was built (the bucket's lifecycle rule on the archive prefix says
# the same in days; a template test keeps the two equal), and its job record a few days later.
ARCHIVE_KEEP = timedelta(days=1)
JOB_RECORD_KEEP = timedelta(days=7)
# The job's progress is written at most this many times a build, however many files there are.
PROGRESS_WRITES = 100
# A file is only started while this much of the invocation is left: the largest PDF read and compressed.
SECONDS_PER_FILE = 30.0
# Characters no file system of Windows, macOS or Linux accepts in a name, or that a shell or zip tool
# reads as a path; control and format characters (a right-to-left override) go too.
_FORBIDDEN = set('<>:"/\\|?*')
# A title's share of an entry name, in UTF-8 bytes: with the id and suffix well under the 255 bytes every
# common file system allows.
TITLE_BYTES = 120
# A build is cut off when its invocation ends (the archiver's timeout in the template, as the runtime reports
# it to the build); this long after that, its last write has landed and no build of the job can be running.
STOP_MARGIN = timedelta(minutes=2)
# What a job says when its build was killed before it could say anything itself.
STOPPED = "The build stopped without finishing: it may have run out of memory or time; start it again."

State = Literal["queued", "building", "done", "failed"]
# What a zip may hold: each live submission's first version on record, or each accepted poster's final
# abstract or poster on record (``cfp.finals``).
Contents = Literal["first", "finals", "posters"]
_FINAL_KIND: dict[str, UploadKind] = {"finals": "final", "posters": "poster"}


def safe_title(title: str) -> str:
    """The title as a file name may carry it on any OS: no separators or reserved characters, no control
    characters, one space between words, no trailing dot or space, at most ``TITLE_BYTES`` in UTF-8."""
    text = unicodedata.normalize("NFC", title)
    text = "".join(
        " " if c in _FORBIDDEN or unicodedata.category(c).startswith(("C", "Z")) else c for c in text
    )
    text = " ".join(text.split())
    encoded = text.encode()[:TITLE_BYTES]
    text = encoded.decode(errors="ignore")
    return text.rstrip(" .") or "untitled"


def entry_name(submission: Submission, late: int = 0, what: str = "") -> str:
    """``<id> - <title>.pdf``, ``<id> - <title> (late 2).pdf`` for the second late upload, and with
    ``what`` (poster, final) ``<id> - <title> (poster).pdf`` or ``(poster, late 1)``."""
    marks = [m for m in (what, f"late {late}" if late else "") if m]
    suffix = f" ({', '.join(marks)})" if marks else ""
    return f"{submission.id} - {safe_title(submission.title)}{suffix}.pdf"


@dataclass(frozen=True)
class ArchiveEntry:
    """One upload to put in the zip (or a folder), and its name there."""

    name: str
    key: str
    version_id: str | None
    late: bool
    uploaded_at: datetime | None


def select_entries(
    records: list[tuple[Submission, list[Version]]], window: Window, include_late: bool
) -> list[ArchiveEntry]:
    """The upload on record for every live submission, by id (and with ``include_late`` each late one).
    Names are unique even to a file system that ignores case: each starts with its submission's id (lower
    case, unique) and a late one carries its number."""
    entries: list[ArchiveEntry] = []
    for submission, versions in sorted(records, key=lambda pair: pair[0].id):
        if submission.withdrawn:
            continue
        current = current_version(submission, versions, window)
        if current is not None:
            entries.append(_entry(entry_name(submission), current, False))
        if include_late:
            for n, late in enumerate(late_versions(submission, versions, window), start=1):
                entries.append(_entry(entry_name(submission, n), late, True))
    return entries


def select_final_entries(
    snapshot: Snapshot, window: Window, include_late: bool, contents: Contents
) -> list[ArchiveEntry]:
    """The final abstract or the poster on record for every poster in the program (and with
    ``include_late`` each late one), named like the first versions with what they are."""
    kind = _FINAL_KIND[contents]
    what = "poster" if kind == "poster" else "final"
    entries: list[ArchiveEntry] = []
    for submission, _ in sorted(snapshot.records, key=lambda pair: pair[0].id):
        if not in_program(submission, snapshot.markers.get(submission.id, set())):
            continue
        finals = [v for v in snapshot.finals.get(submission.id, []) if v.kind == kind]
        current = current_final(submission, finals, kind, window)
        if current is not None:
            entries.append(_entry(entry_name(submission, what=what), current, False))
        if include_late:
            late = sorted(
                (v for v in finals if v.counted and window.is_late(submission, v)), key=upload_order
            )
            for n, upload in enumerate(late, start=1):
                entries.append(_entry(entry_name(submission, n, what), upload, True))
    return entries


def _entry(name: str, upload: Version, late: bool) -> ArchiveEntry:
    return ArchiveEntry(name, upload.key, upload.version_id, late, upload.uploaded_at)


def archive_key(prefix: str, job_id: str) -> str:
    return f"{prefix}{job_id}.zip"


def download_name(job: ArchiveJob) -> str:
    """The zip's own name when saved: what it holds, when it was asked for, and whether late uploads are
    in it."""
    late = "-with-late" if job.include_late else ""
    what = {"finals": "final-abstracts", "posters": "poster-pdfs"}.get(job.contents, "posters")
    return f"{what}-{job.requested_at.astimezone(UTC):%Y%m%d-%H%M}{late}.zip"


def job_message(job_id: str) -> str:
    """The queue message that asks for a build."""
    return json.dumps({"job_id": job_id})


def job_id_of(body: str) -> str:
    """The job a queue message asks to build; ValueError for anything else (it is dead-lettered)."""
    message = json.loads(body)
    job_id = message.get("job_id") if isinstance(message, dict) else None
    if not isinstance(job_id, str) or not job_id:
        raise ValueError("not an archive job message")
    return job_id


class ArchiveView(BaseModel):
    """An archive job as the console shows it."""

    id: str
    include_late: bool
    contents: Contents = Field(default="first", description="first (versions), finals or posters.")
    requested_by: str
    requested_at: datetime
    state: State = Field(description="queued, building, done or failed.")
    done: int = Field(description="Files written to the zip so far.")
    total: int | None = Field(description="Files the zip will hold, once the build has counted them.")
    size: int | None = Field(description="The zip's size in bytes, once done.")
    finished_at: datetime | None
    expires_at: datetime | None = Field(description="When the zip is deleted, once done.")
    filename: str
    message: str = Field(description="What went wrong, or that a failed attempt is being retried.")


def may_be_running(job: ArchiveJob, now: datetime) -> bool:
    """True while the job's latest build may still be at work: its invocation has not been cut off yet."""
    return job.state == "building" and (job.ends_at is None or now <= job.ends_at + STOP_MARGIN)


def stopped(job: ArchiveJob, now: datetime) -> bool:
    """True for a job still recorded as building whose build was cut off without a word (killed for memory
    or time, or crashed): the record cannot say so, so it is worked out here. A build that failed with a
    reason said so on the job and waits for its retry instead."""
    return (
        job.state == "building"
        and not job.message
        and job.ends_at is not None
        and not may_be_running(job, now)
    )


def view_of(job: ArchiveJob, now: datetime) -> ArchiveView:
    """The job as the console shows it at ``now``: a build cut off without a word shows as failed, so the
    page stops waiting for a progress bar that will never move and offers to start again."""
    done = job.state == "done" and job.finished_at is not None
    cut_off = stopped(job, now)
    return ArchiveView(
        id=job.id,
        include_late=job.include_late,
        contents="finals"
        if job.contents == "finals"
        else "posters"
        if job.contents == "posters"
        else "first",
        requested_by=job.requested_by,
        requested_at=job.requested_at,
        state="failed" if cut_off else job.state,
        done=job.done,
        total=job.total,
        size=job.size,
        finished_at=job.finished_at,
        expires_at=job.finished_at + ARCHIVE_KEEP if done and job.finished_at else None,
        filename=download_name(job),
        message=STOPPED if cut_off else job.message,
    )


class ArchiveProblem(Exception):
    """Why a build failed, in words an organizer can act on (no exception's own text, which may quote
    more than organizers should see in a log)."""


class _Superseded(Exception):
    """Another build claimed the job; this one stops and leaves the job to it."""


class _Out:
    """The zip's output: ``zipfile`` writes to it as to an unseekable stream (with data descriptors)."""

    def __init__(self, writer: ArchiveWriter) -> None:
        self.writer = writer

    def write(self, data: bytes, /) -> int:
        return self.writer.write(bytes(data))

    def flush(self) -> None:
        """Parts go out as they fill; nothing to flush before ``complete``."""

    def close(self) -> None:
        """The writer is completed or aborted by the build, which knows whether it succeeded."""


@dataclass(frozen=True, kw_only=True)
class ArchiveBuilder:
    """Builds one job's zip; safe to run again for the same job (a done job is left alone, a retried one
    starts over under a new claim, and an older build's progress is refused). A failed job whose message
    an operator moves back from the dead-letter queue is built again from the start."""

    settings: Settings
    store: SubmissionRepository
    jobs: ArchiveJobs
    uploads: UploadStorage
    archives: ArchiveStorage
    clock: Clock

    def build(self, job_id: str, delivery: int, time_left: Callable[[], float]) -> ArchiveJob | None:
        """Build the zip for ``job_id`` (``delivery``: how often the queue has delivered the message;
        ``time_left``: seconds left in the invocation). On the last delivery a failure marks the job
        failed with the reason before it is raised on to the dead-letter queue."""
        if self.jobs.job(job_id) is None:
            return None
        now = self.clock.now()
        attempt = self.jobs.claim_job(job_id, now, now + timedelta(seconds=time_left()))
        if attempt is None:
            return self.jobs.job(job_id)
        try:
            size = self._write(job_id, attempt, time_left)
        except _Superseded:
            return self.jobs.job(job_id)
        except Exception as error:
            reason = str(error) if isinstance(error, ArchiveProblem) else f"an error ({type(error).__name__})"
            most = self.settings.max_receive_count
            if delivery >= most:
                message = (
                    f"The archive could not be built: {reason}. It was tried {delivery} times and set aside "
                    "in the archive dead-letter queue; start a new archive, or move it back from there once "
                    "the cause is fixed."
                )
                self.jobs.fail_job(job_id, attempt, message, self.clock.now())
            else:
                job = self.jobs.job(job_id)
                message = f"Attempt {delivery} of {most} failed ({reason}); trying again."
                if job is not None:
                    self.jobs.job_progress(job_id, attempt, job.done, job.total or 0, message)
            raise
        self.jobs.finish_job(job_id, attempt, size, self.clock.now())
        return self.jobs.job(job_id)

    def _progress(self, job_id: str, attempt: int, done: int, total: int) -> None:
        if not self.jobs.job_progress(job_id, attempt, done, total):
            raise _Superseded(job_id)

    def _write(self, job_id: str, attempt: int, time_left: Callable[[], float]) -> int:
        job = self.jobs.job(job_id)
        assert job is not None
        if job.contents in _FINAL_KIND:
            contents: Contents = "finals" if job.contents == "finals" else "posters"
            snapshot = self.store.snapshot()
            entries = select_final_entries(snapshot, self.settings.final_window, job.include_late, contents)
        else:
            entries = select_entries(self.store.all(), self.settings.window, job.include_late)
        total = len(entries)
        self._progress(job_id, attempt, 0, total)
        step = max(1, -(-total // PROGRESS_WRITES))
        writer = self.archives.open_archive(
            archive_key(self.settings.archive_prefix, job_id), download_name(job)
        )
        try:
            # Level 1: PDFs are compressed inside already, so harder work would save little and cost time.
            with zipfile.ZipFile(_Out(writer), "w", zipfile.ZIP_DEFLATED) as archive:
                for done, entry in enumerate(entries, start=1):
                    if time_left() < SECONDS_PER_FILE:
                        raise ArchiveProblem(
                            f"the time ran out after {done - 1} of {total} files; fewer files per archive "
                            "(on-time ones only) may fit"
                        )
                    self._add(archive, entry)
                    if done == total or done % step == 0:
                        self._progress(job_id, attempt, done, total)
            if total == 0:
                self._progress(job_id, attempt, 0, 0)
            return writer.complete()
        except BaseException:
            writer.abort()
            raise

    def _add(self, archive: zipfile.ZipFile, entry: ArchiveEntry) -> None:
        stamp = (entry.uploaded_at or self.clock.now()).astimezone(UTC)
        info = zipfile.ZipInfo(entry.name, date_time=stamp.timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        # A ZipInfo given to ``open`` keeps its own level, not the ZipFile's (3.11 to 3.13 spell it so).
        info._compresslevel = 1  # type: ignore[attr-defined]
        info.external_attr = 0o644 << 16
        try:
            with archive.open(info, "w") as out:
                for chunk in self.uploads.stream(entry.key, entry.version_id):
                    out.write(chunk)
        except ObjectUnreadable as error:
            raise ArchiveProblem(f"the PDF for {entry.name} could not be read ({error})") from error


@dataclass(frozen=True)
class ArchiveDeadLetterSweep:
    """Marks failed every job whose message reached the archive dead-letter queue while the job still says
    queued or building: its last try was killed (out of memory, the hard timeout, a crash at start) before
    it could say so itself. A job whose build may still be running (its message was just moved back and
    claimed) is left to that build. The messages stay in the queue for an operator to move back, and a job
    moved back builds again."""

    jobs: ArchiveJobs
    clock: Clock

    def run(self, bodies: list[str]) -> int:
        """Mark the jobs these dead-lettered messages name; returns how many were newly marked failed."""
        now = self.clock.now()
        failed = 0
        for body in bodies:
            try:
                job_id = job_id_of(body)
            except ValueError:
                logger.warning("a dead-lettered message is not an archive job")
                continue
            job = self.jobs.job(job_id)
            if job is None or job.state not in ("queued", "building") or may_be_running(job, now):
                continue
            # Conditional on the claim read: a build that claims the job meanwhile keeps it.
            if self.jobs.fail_job(job.id, job.attempt, STOPPED, now):
                logger.warning("an archive build stopped without finishing", extra={"job": job.id})
                failed += 1
        return failed
