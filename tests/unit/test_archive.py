"""The archive of every PDF on in-memory fakes: which uploads go in and what each entry is called, the
build's progress, a retried or superseded build, failures that end in the dead-letter queue with a reason,
builds killed without a word (shown as failed, marked failed from the dead-letter queue, built again once
moved back), and the console's side (start, follow, link); and the dead-letter queues' "show" and "move
back"."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime, timedelta
from typing import Any

import pytest

from cfp import events
from cfp.adapters import Adapters
from cfp.archive import (
    PROGRESS_WRITES,
    ArchiveBuilder,
    ArchiveDeadLetterSweep,
    ArchiveProblem,
    entry_name,
    job_id_of,
    job_message,
    safe_title,
    select_entries,
)
from cfp.bootstrap import build_archive_builder, build_console, build_operations
from cfp.clock import FixedClock
from cfp.console import Console
from cfp.console_views import ArchiveRequest, DeadLetterQueue, describe_dead_letter
from cfp.errors import ArchiveNotFound, ArchiveNotReady, QueueNotFound, QueueUnavailable
from cfp.operations import Operations
from cfp.settings import Settings
from tests.support.fakes import (
    FakeArchives,
    FakeBucket,
    FakeDeadLetters,
    FakeJobs,
    FakeQueue,
    FakeStore,
    fake_adapters,
)
from tests.support.records import DEADLINE, submission

BEFORE = DEADLINE - timedelta(days=1)
AFTER = DEADLINE + timedelta(hours=1)
NOW = DEADLINE + timedelta(days=2)
PDF = b"%PDF-1.4 " + bytes(range(256)) * 8


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "conference_name": "Workshop",
        "deadline": DEADLINE,
        "sender_email": "cfp@example.org",
        "table_name": "t",
        "bucket_name": "uploads",
        "notification_queue_url": "q",
        "receipt_token_key_id": "k",
        "max_receive_count": 3,
        **overrides,
    }
    return Settings(**values)


class Call:
    """Submissions with uploads in the fakes, the builder and the console on them."""

    def __init__(self) -> None:
        self.settings = settings()
        self.clock = FixedClock(NOW)
        self.store = FakeStore()
        self.bucket = FakeBucket()
        self.jobs = FakeJobs()
        self.archives = FakeArchives()
        self.queue = FakeQueue()

    def add(self, sid: str, title: str, *uploads: tuple[datetime, bytes], withdrawn: bool = False) -> None:
        self.store.create(submission(id=sid, title=title), events.withdrawn(sid, BEFORE))
        for at, data in uploads:
            slot = self.store.issue_version(sid, lambda n: f"uploads/{sid}/v{n}.pdf", BEFORE, AFTER)
            stored = self.bucket.put(slot.key, data, at)
            stored_as = {"object_id": stored.version_id, "version_id": stored.version_id, "uploaded_at": at}
            self.store.record_upload(sid, slot.model_copy(update=stored_as))
        if withdrawn:
            self.store.withdraw(sid, BEFORE, events.withdrawn(sid, BEFORE))

    def adapters(self, **given: Any) -> Adapters:
        """These fakes as a stack's adapters, with any of them replaced by ``given``."""
        fakes: dict[str, Any] = {
            "bucket": self.bucket,
            "archives": self.archives,
            "notification_queue": self.queue,
            "archive_jobs": self.jobs,
            "archive_queue": self.queue,
        }
        return fake_adapters(self.settings, self.clock, self.store, **(fakes | given))

    @property
    def builder(self) -> ArchiveBuilder:
        return build_archive_builder(self.adapters())

    @property
    def console(self) -> Console:
        return build_console(self.adapters())

    def operations_with(self, **given: Any) -> Operations:
        """The operations on these fakes, with any adapter replaced (the dead-letter queues, say)."""
        return build_operations(self.adapters(**given))

    @property
    def operations(self) -> Operations:
        return self.operations_with()

    def start(self, include_late: bool = False) -> str:
        return self.operations.start_archive(
            ArchiveRequest(include_late=include_late), "chair@example.org"
        ).id


def plenty_of_time() -> float:
    return 900.0


def entries_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


# ---- names ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Learned Index Structures", "Learned Index Structures"),
        ('a/b\\c: d*?"<>|e', "a b c d e"),
        ("Line\nbreak\tand\x00nul", "Line break and nul"),
        ("Spoofed \u202egnp.exe", "Spoofed gnp.exe"),
        ("Trailing dots and spaces. . .  ", "Trailing dots and spaces"),
        ("Cafe\u0301 Über ✓", "Café Über ✓"),
        ("../../etc/passwd", ".. .. etc passwd"),
        ("   ", "untitled"),
        ("...", "untitled"),
    ],
)
def test_titles_become_names_every_os_accepts(title: str, expected: str) -> None:
    assert safe_title(title) == expected


def test_a_long_title_is_cut_on_a_character_within_the_name_limit() -> None:
    cut = safe_title("Ü" * 200)
    assert cut == "Ü" * 60 and len(cut.encode()) == 120
    name = entry_name(submission(id="abcdefghjk", title="é" * 500), late=12)
    assert name == f"abcdefghjk - {'é' * 60} (late 12).pdf" and len(name.encode()) < 255


def test_every_live_submission_on_record_goes_in_by_id_and_late_ones_when_asked() -> None:
    call = Call()
    call.add("bbbbbbbbbb", "Second: a/b", (BEFORE, b"on time b"), (AFTER, b"late b1"), (AFTER, b"late b2"))
    call.add("aaaaaaaaaa", "First", (BEFORE, b"old a"), (BEFORE + timedelta(hours=1), b"newest a"))
    call.add("cccccccccc", "Nothing uploaded")
    call.add("dddddddddd", "Only late", (AFTER, b"late d"))
    call.add("eeeeeeeeee", "Withdrawn", (BEFORE, b"withdrawn e"), withdrawn=True)
    window = call.settings.window
    on_time = select_entries(call.store.all(), window, include_late=False)
    assert [(e.name, e.late) for e in on_time] == [
        ("aaaaaaaaaa - First.pdf", False),
        ("bbbbbbbbbb - Second a b.pdf", False),
    ]
    assert call.bucket.data[(on_time[0].key, on_time[0].version_id)] == b"newest a"
    everything = select_entries(call.store.all(), window, include_late=True)
    assert [e.name for e in everything] == [
        "aaaaaaaaaa - First.pdf",
        "bbbbbbbbbb - Second a b.pdf",
        "bbbbbbbbbb - Second a b (late 1).pdf",
        "bbbbbbbbbb - Second a b (late 2).pdf",
        "dddddddddd - Only late (late 1).pdf",
    ]
    assert len({e.name.casefold() for e in everything}) == 5
    assert call.console.pdf_files(include_late=True) == everything


# ---- the build ----------------------------------------------------------------------------------------


def test_a_build_writes_every_entry_and_reports_progress_to_done() -> None:
    call = Call()
    call.add("aaaaaaaaaa", "First", (BEFORE, PDF))
    call.add("bbbbbbbbbb", "Second", (BEFORE, b"%PDF second"), (AFTER, b"%PDF late"))
    job_id = call.start(include_late=True)
    job = call.builder.build(job_id, 1, plenty_of_time)
    assert job is not None and job.state == "done" and job.total == 3 and job.done == 3
    assert call.jobs.progress == [(1, 0, 3), (1, 1, 3), (1, 2, 3), (1, 3, 3)]
    [(key, filename, data)] = call.archives.objects
    assert key == f"archives/{job_id}.zip" and job.size == len(data)
    assert filename == "posters-20170903-1159-with-late.zip"
    assert entries_of(data) == {
        "aaaaaaaaaa - First.pdf": PDF,
        "bbbbbbbbbb - Second.pdf": b"%PDF second",
        "bbbbbbbbbb - Second (late 1).pdf": b"%PDF late",
    }
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.getinfo("aaaaaaaaaa - First.pdf").date_time == (2017, 8, 31, 11, 59, 58)
    # The zip went out as the file was read, never as one write of the whole file.
    assert 0 < call.archives.largest_write < len(PDF)


def test_an_empty_call_gives_an_empty_zip() -> None:
    call = Call()
    job = call.builder.build(call.start(), 1, plenty_of_time)
    assert job is not None and job.state == "done" and job.total == 0
    assert entries_of(call.archives.objects[0][2]) == {}


def test_progress_is_written_a_bounded_number_of_times() -> None:
    call = Call()
    for n in range(250):
        call.add(f"s{n:09d}", f"Poster {n}", (BEFORE, b"%PDF"))
    call.builder.build(call.start(), 1, plenty_of_time)
    assert len(call.jobs.progress) <= PROGRESS_WRITES + 2
    assert call.jobs.progress[-1] == (1, 250, 250)


def test_a_message_delivered_again_for_a_done_job_builds_nothing() -> None:
    call = Call()
    call.add("aaaaaaaaaa", "First", (BEFORE, PDF))
    job_id = call.start()
    first = call.builder.build(job_id, 1, plenty_of_time)
    writes = list(call.jobs.progress)
    again = call.builder.build(job_id, 2, plenty_of_time)
    assert again == first
    assert len(call.archives.objects) == 1 and call.jobs.progress == writes


def test_an_unknown_job_is_dropped() -> None:
    assert Call().builder.build("0123456789abcdef", 1, plenty_of_time) is None


def test_a_build_overtaken_by_a_redelivery_stops_and_leaves_the_job_to_it() -> None:
    call = Call()
    call.add("aaaaaaaaaa", "First", (BEFORE, PDF))
    call.add("bbbbbbbbbb", "Second", (BEFORE, PDF))
    job_id = call.start()
    original = call.bucket.stream

    def stream_then_redeliver(key: str, version_id: str | None) -> Any:
        if key.startswith("uploads/aaaaaaaaaa/"):
            # The message is delivered again while this build runs.
            call.jobs.claim_job(job_id, NOW, NOW + timedelta(minutes=15))
        return original(key, version_id)

    call.bucket.stream = stream_then_redeliver  # type: ignore[method-assign]
    job = call.builder.build(job_id, 1, plenty_of_time)
    assert job is not None and job.state == "building" and job.attempt == 2
    assert call.archives.objects == [] and call.archives.opened[0].aborted
    assert all(attempt == 1 for attempt, _, _ in call.jobs.progress)
    call.bucket.stream = original  # type: ignore[method-assign]
    rebuilt = call.builder.build(job_id, 2, plenty_of_time)
    assert rebuilt is not None and rebuilt.state == "done" and rebuilt.attempt == 3
    assert len(call.archives.objects) == 1


def test_a_failing_build_is_retried_then_fails_with_its_reason() -> None:
    call = Call()
    call.add("aaaaaaaaaa", "First", (BEFORE, PDF))
    call.add("bbbbbbbbbb", "Gone", (BEFORE, PDF))
    [gone] = [k for k in call.bucket.data if k[0].startswith("uploads/bbbbbbbbbb/")]
    del call.bucket.data[gone]
    job_id = call.start()
    with pytest.raises(ArchiveProblem):
        call.builder.build(job_id, 1, plenty_of_time)
    retrying = call.jobs.job(job_id)
    assert retrying is not None and retrying.state == "building"
    assert retrying.message == (
        "Attempt 1 of 3 failed (the PDF for bbbbbbbbbb - Gone.pdf could not be read "
        "(uploads/bbbbbbbbbb/v1.pdf: NoSuchVersion)); trying again."
    )
    assert call.archives.objects == [] and call.archives.opened[0].aborted
    with pytest.raises(ArchiveProblem):
        call.builder.build(job_id, 3, plenty_of_time)
    failed = call.jobs.job(job_id)
    assert failed is not None and failed.state == "failed" and failed.finished_at == NOW
    assert failed.message.startswith(
        "The archive could not be built: the PDF for bbbbbbbbbb - Gone.pdf could not be read"
    )
    assert "tried 3 times and set aside in the archive dead-letter queue" in failed.message


def test_an_unexpected_error_is_named_by_its_kind_only() -> None:
    call = Call()
    call.add("aaaaaaaaaa", "First", (BEFORE, PDF))
    job_id = call.start()

    def broken(key: str, version_id: str | None) -> Any:
        raise RuntimeError("a message that might quote anything")

    call.bucket.stream = broken  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        call.builder.build(job_id, 3, plenty_of_time)
    failed = call.jobs.job(job_id)
    assert failed is not None and "an error (RuntimeError)" in failed.message
    assert "quote anything" not in failed.message


def test_a_build_stops_before_it_runs_out_of_time() -> None:
    call = Call()
    for n in range(3):
        call.add(f"s{n:09d}", f"Poster {n}", (BEFORE, PDF))
    job_id = call.start()
    left = iter([900.0, 900.0, 400.0, 29.0])  # at the claim (when it is cut off), then before each file
    with pytest.raises(ArchiveProblem, match="the time ran out after 2 of 3 files"):
        call.builder.build(job_id, 1, lambda: next(left))
    assert call.archives.objects == []


# ---- the console's side ------------------------------------------------------------------------------


def test_starting_an_archive_records_who_asked_queues_it_and_audits_it() -> None:
    call = Call()
    view = call.operations.start_archive(ArchiveRequest(include_late=True), "chair@example.org")
    assert view.state == "queued" and view.requested_by == "chair@example.org" and view.requested_at == NOW
    assert view.include_late and view.total is None and view.expires_at is None
    assert call.queue.bodies == [json.dumps({"job_id": view.id})]
    [(owner, entry)] = call.store.audited
    assert owner is None and (entry.by, entry.action) == ("chair@example.org", "archive requested")
    assert entry.detail == f"{view.id}: on-time and late PDFs"


def test_a_job_that_could_not_be_queued_says_so() -> None:
    call = Call()

    def refuse(body: str) -> None:
        raise QueueUnavailable("the queue did not take the message")

    call.queue.send = refuse  # type: ignore[method-assign]
    with pytest.raises(QueueUnavailable):
        call.start()
    [job] = call.jobs.jobs.values()
    assert job.state == "failed" and job.message == "The archive could not be queued; start it again."


def test_the_link_is_given_only_for_a_done_archive_that_has_not_expired() -> None:
    call = Call()
    call.add("aaaaaaaaaa", "First", (BEFORE, PDF))
    job_id = call.start()
    with pytest.raises(ArchiveNotReady):
        call.operations.archive_link(job_id)
    call.builder.build(job_id, 1, plenty_of_time)
    view = call.operations.archive(job_id)
    assert view.state == "done" and view.expires_at == NOW + timedelta(days=1)
    link = call.operations.archive_link(job_id)
    assert link.url == f"https://uploads.example/archives/{job_id}.zip?expires=300"
    assert link.expires_at == NOW + timedelta(minutes=5)
    call.clock.advance(timedelta(days=1, seconds=1))
    with pytest.raises(ArchiveNotFound, match="has expired"):
        call.operations.archive_link(job_id)
    call.clock.advance(timedelta(days=6))
    with pytest.raises(ArchiveNotFound):
        call.operations.archive(job_id)
    with pytest.raises(ArchiveNotFound):
        call.operations.archive("0123456789abcdef")


class Killed(BaseException):
    """What an out-of-memory kill or the hard timeout does to a build: no code of ours runs after it."""


def killed(key: str, version_id: str | None) -> Any:
    raise Killed


def test_a_build_cut_off_without_a_word_shows_as_failed_once_it_cannot_be_running() -> None:
    call = Call()
    call.add("aaaaaaaaaa", "First", (BEFORE, PDF))
    job_id = call.start()
    call.bucket.stream = killed  # type: ignore[method-assign]
    with pytest.raises(Killed):
        call.builder.build(job_id, 1, plenty_of_time)  # its invocation is cut off at NOW + 900 s
    call.clock.advance(timedelta(minutes=17))  # the cut-off and two minutes for a last write to land
    assert call.operations.archive(job_id).state == "building"
    call.clock.advance(timedelta(seconds=1))
    view = call.operations.archive(job_id)
    assert (view.state, view.message) == (
        "failed",
        "The build stopped without finishing: it may have run out of memory or time; start it again.",
    )
    record = call.jobs.job(job_id)
    assert record is not None and record.state == "building"  # the record is left for a retry to claim


def test_a_build_that_failed_with_a_reason_waits_for_its_retry_with_that_reason() -> None:
    call = Call()
    call.add("aaaaaaaaaa", "First", (BEFORE, PDF))
    job_id = call.start()
    call.bucket.stream = unreadable  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        call.builder.build(job_id, 1, plenty_of_time)
    call.clock.advance(timedelta(hours=1))
    view = call.operations.archive(job_id)
    assert (view.state, view.message) == (
        "building",
        "Attempt 1 of 3 failed (an error (RuntimeError)); trying again.",
    )


def unreadable(key: str, version_id: str | None) -> Any:
    raise RuntimeError("unreadable")


def test_the_sweep_marks_failed_the_jobs_whose_last_try_was_killed_and_leaves_the_letters() -> None:
    call = Call()
    call.add("aaaaaaaaaa", "First", (BEFORE, PDF))
    built = call.start()
    call.builder.build(built, 1, plenty_of_time)
    never_claimed = call.start()  # the archiver crashed at start on every try
    call.bucket.stream = unreadable  # type: ignore[method-assign]
    said_why = call.start()
    with pytest.raises(RuntimeError):
        call.builder.build(said_why, 3, plenty_of_time)
    call.bucket.stream = killed  # type: ignore[method-assign]
    killed_last = call.start()
    with pytest.raises(Killed):
        call.builder.build(killed_last, 3, plenty_of_time)
    letters = [job_message(j) for j in (built, never_claimed, said_why, killed_last)]
    dead = FakeDeadLetters([*letters, "not json", '{"job_id": "ffffffffffffffff"}', "[]"])
    call.clock.advance(timedelta(hours=6))  # SQS moves a message after its visibility timeout ran out

    sweep = ArchiveDeadLetterSweep(call.jobs, call.clock)
    assert sweep.run(dead.bodies()) == 2
    stopped = "The build stopped without finishing: it may have run out of memory or time; start it again."
    states = {j: (job.state, job.message) for j, job in call.jobs.jobs.items()}
    assert states[never_claimed] == states[killed_last] == ("failed", stopped)
    assert states[built] == ("done", "")
    assert states[said_why][0] == "failed"
    assert states[said_why][1].startswith("The archive could not be built")
    assert dead.count() == 7, "the letters stay for an operator"
    marked_at = call.jobs.jobs[killed_last].finished_at
    assert marked_at == NOW + timedelta(hours=6)

    call.clock.advance(timedelta(minutes=15))
    assert sweep.run(dead.bodies()) == 0
    assert call.jobs.jobs[killed_last].finished_at == marked_at


def test_a_job_whose_build_may_still_run_is_left_to_that_build() -> None:
    call = Call()
    call.add("aaaaaaaaaa", "First", (BEFORE, PDF))
    job_id = call.start()
    call.bucket.stream = killed  # type: ignore[method-assign]
    with pytest.raises(Killed):
        call.builder.build(job_id, 1, plenty_of_time)  # cut off at NOW + 15 minutes
    # The keeper read the letter just before an operator moved it back and a build claimed the job.
    sweep = ArchiveDeadLetterSweep(call.jobs, call.clock)
    call.clock.advance(timedelta(minutes=17))
    assert sweep.run([job_message(job_id)]) == 0
    job = call.jobs.job(job_id)
    assert job is not None and job.state == "building"
    call.clock.advance(timedelta(seconds=1))
    assert sweep.run([job_message(job_id)]) == 1


def test_a_job_marked_failed_builds_again_once_its_letter_is_moved_back() -> None:
    call = Call()
    call.add("aaaaaaaaaa", "First", (BEFORE, PDF))
    job_id = call.start()
    original = call.bucket.stream
    call.bucket.stream = killed  # type: ignore[method-assign]
    with pytest.raises(Killed):
        call.builder.build(job_id, 5, plenty_of_time)
    dead = FakeDeadLetters([job_message(job_id)])
    call.clock.advance(timedelta(hours=8))
    assert ArchiveDeadLetterSweep(call.jobs, call.clock).run(dead.bodies()) == 1
    assert call.operations.archive(job_id).state == "failed"

    operations = call.operations_with(
        dead_letter_queues=(DeadLetterQueue("archive", dead, "https://sqs/archive"),), archive_jobs=call.jobs
    )
    assert operations.redrive("archive", "chair@example.org") == 1
    [(_, body)] = dead.moved_to
    call.bucket.stream = original  # type: ignore[method-assign]
    rebuilt = call.builder.build(job_id_of(body), 1, plenty_of_time)  # a moved-back message counts anew
    assert rebuilt is not None and (rebuilt.state, rebuilt.attempt, rebuilt.message) == ("done", 2, "")
    view = operations.archive(job_id)
    assert (view.state, view.done, view.total, view.message) == ("done", 1, 1, "")
    [(key, _, data)] = call.archives.objects
    assert key == f"archives/{job_id}.zip" and entries_of(data) == {"aaaaaaaaaa - First.pdf": PDF}
    assert ArchiveDeadLetterSweep(call.jobs, call.clock).run(dead.bodies()) == 0


# ---- dead letters ------------------------------------------------------------------------------------


def test_dead_letters_are_told_by_what_they_are_about_without_what_authors_wrote() -> None:
    upload = {"Records": [{"s3": {"object": {"key": "uploads%2Fabcdefghjk%2Fv2.pdf"}}}]}
    stranger = {"Records": [{"s3": {"object": {"key": "elsewhere/x.pdf"}}}]}
    receipt = events.submitted("abcdefghjk", NOW, "sealed-token").model_dump_json()
    closing = {"kind": "call_closed", "event_id": "call_closed", "occurred_at": "2017-09-01T12:00:00Z"}
    assert (
        describe_dead_letter(json.dumps(upload), "uploads/")
        == "the check of submission abcdefghjk, version 2"
    )
    assert describe_dead_letter(json.dumps(stranger), "uploads/") == (
        "the check of an object the service never issued"
    )
    poster = {"Records": [{"s3": {"object": {"key": "uploads/abcdefghjk/poster-v3.pdf"}}}]}
    final = {"Records": [{"s3": {"object": {"key": "uploads/abcdefghjk/final-v1.pdf"}}}]}
    assert (
        describe_dead_letter(json.dumps(poster), "uploads/") == "the check of submission abcdefghjk, poster 3"
    )
    assert (
        describe_dead_letter(json.dumps(final), "uploads/")
        == "the check of submission abcdefghjk, final abstract 1"
    )
    assert describe_dead_letter(receipt, "uploads/") == "the submitted mail for submission abcdefghjk"
    assert describe_dead_letter(json.dumps(closing), "uploads/") == "the call closed mail for the whole call"
    assert (
        describe_dead_letter('{"job_id": "0123456789abcdef"}', "uploads/") == "the archive 0123456789abcdef"
    )
    assert (
        describe_dead_letter('{"Event": "s3:TestEvent"}', "uploads/") == "S3's test event (nothing to check)"
    )
    assert describe_dead_letter("not json", "uploads/") == "a message that is not JSON"
    assert describe_dead_letter("[1]", "uploads/") == "a message of an unknown kind"


def test_show_lists_the_oldest_first_and_move_back_sends_them_to_their_queue_and_audits() -> None:
    call = Call()
    later, earlier = NOW - timedelta(hours=1), NOW - timedelta(days=2)
    dead = FakeDeadLetters(
        ['{"job_id": "bbbbbbbbbbbbbbbb"}', '{"job_id": "aaaaaaaaaaaaaaaa"}'], [later, earlier]
    )
    operations = call.operations_with(
        dead_letter_queues=(DeadLetterQueue("archive", dead, "https://sqs/archive"),)
    )
    listing = operations.dead_letter_messages("archive")
    assert listing.count == 2
    assert [(v.message_id, v.sent_at, v.about) for v in listing.shown] == [
        ("m1", earlier, "the archive aaaaaaaaaaaaaaaa"),
        ("m0", later, "the archive bbbbbbbbbbbbbbbb"),
    ]
    assert dead.held, "showing moves nothing"
    assert operations.redrive("archive", "chair@example.org") == 2
    assert [target for target, _ in dead.moved_to] == ["https://sqs/archive"] * 2
    [(_, entry)] = call.store.audited
    assert (entry.action, entry.detail) == ("redrove", "2 messages from archive")
    with pytest.raises(QueueNotFound, match="there are: archive"):
        operations.dead_letter_messages("validation")
