"""The table's ports, one contract each, held by the fake and by the DynamoDB adapter alike: the
submissions, the bookkeeping, the final phase's slots, the sign-in records, the archive jobs, the program's
boards, the mail counts and the suppressions."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from cfp import events
from cfp.adapters import Adapters
from cfp.errors import LimitReached, RequestRecord, RequestSeen, SubmissionNotFound, SubmissionWithdrawn
from cfp.formatcheck.models import MEASURER_VERSION, Facts, Verdict
from cfp.model import Author, Version
from cfp.ports import ArchiveJob
from cfp.program import BoardTaken
from tests.support.records import T0, submission

LATER = T0 + timedelta(hours=1)


def created(adapters: Adapters, submission_id: str = "abcdefghjk", **changes: object) -> str:
    adapters.store.create(submission(id=submission_id, **changes), events.withdrawn(submission_id, T0))
    return submission_id


def issued(adapters: Adapters, submission_id: str, most: int = 0) -> Version:
    return adapters.store.issue_version(
        submission_id, lambda n: f"uploads/{submission_id}/v{n}.pdf", T0, T0 + timedelta(minutes=15), most
    )


def stored(slot: Version, object_id: str, at: object = T0, sequencer: str = "01") -> Version:
    return slot.model_copy(
        update={"object_id": object_id, "version_id": object_id, "uploaded_at": at, "sequencer": sequencer}
    )


def judged(upload: Version, outcome: str = "pass", at: datetime = LATER) -> Version:
    """The upload with a verdict given ``at``. The table's adapter reads verdicts as the rules in force
    judge them again (``cfp.rejudge``), so the contract tells verdicts apart by when they were given."""
    facts = Facts(bytes=100, measurer=MEASURER_VERSION)
    verdict = Verdict(outcome=outcome, pages=2, body_pages=2, problems=[], facts=facts)
    return upload.model_copy(update={"verdict": verdict, "validated_at": at})


# ---- submissions ---------------------------------------------------------------------------------------


def test_a_created_submission_reads_back_whole_and_an_unknown_one_is_not_found(adapters: Adapters) -> None:
    sid = created(adapters, title="Learned Index Structures", authors=[Author(name="Ada", email="a@x.org")])
    found, versions = adapters.store.get(sid)
    assert found == submission(
        id=sid, title="Learned Index Structures", authors=[Author(name="Ada", email="a@x.org")]
    )
    assert versions == []
    with pytest.raises(SubmissionNotFound):
        adapters.store.get("nosuchid00")


def test_an_idempotency_key_is_kept_and_refused_a_second_time(adapters: Adapters) -> None:
    request = RequestRecord("h" * 64, "r" * 64, "abcdefghjk", "sealed", T0 + timedelta(hours=24))
    adapters.store.create(submission(id="abcdefghjk"), events.withdrawn("abcdefghjk", T0), request)
    assert adapters.store.find_request("h" * 64) == request
    assert adapters.store.find_request("x" * 64) is None
    again = RequestRecord("h" * 64, "r" * 64, "bcdefghjkm", "sealed", T0 + timedelta(hours=24))
    with pytest.raises(RequestSeen) as seen:
        adapters.store.create(submission(id="bcdefghjkm"), events.withdrawn("bcdefghjkm", T0), again)
    assert seen.value.record == request
    with pytest.raises(SubmissionNotFound):
        adapters.store.get("bcdefghjkm")


def test_the_outbox_holds_each_event_until_it_is_cleared(adapters: Adapters) -> None:
    sid = created(adapters)
    [(_, event)] = adapters.store.snapshot().outbox
    assert event.kind.value == "withdrawn" and event.submission_id == sid
    adapters.store.clear_outbox(sid, event.event_id)
    adapters.store.clear_outbox(sid, event.event_id)
    assert adapters.store.snapshot().outbox == []


def test_versions_are_numbered_in_turn_and_a_limit_stops_them(adapters: Adapters) -> None:
    sid = created(adapters)
    assert [issued(adapters, sid, most=2).number for _ in range(2)] == [1, 2]
    with pytest.raises(LimitReached):
        issued(adapters, sid, most=2)
    _, versions = adapters.store.get(sid)
    assert [(v.number, v.key, v.uploaded) for v in versions] == [
        (1, f"uploads/{sid}/v1.pdf", False),
        (2, f"uploads/{sid}/v2.pdf", False),
    ]


def test_every_object_in_a_slot_is_kept_in_upload_order_and_its_verdict_is_written_once(
    adapters: Adapters,
) -> None:
    sid = created(adapters)
    slot = issued(adapters, sid)
    second, first = stored(slot, "o2", LATER, "02"), stored(slot, "o1", T0, "01")
    adapters.store.record_upload(sid, second)
    adapters.store.record_upload(sid, first)
    assert adapters.store.record_verdict(sid, judged(first)) is True
    assert adapters.store.record_verdict(sid, judged(first, "fail", LATER + timedelta(hours=1))) is False
    adapters.store.record_upload(sid, first)
    _, versions = adapters.store.get(sid)
    assert [(v.object_id, v.verdict is not None, v.validated_at) for v in versions] == [
        ("o1", True, LATER),
        ("o2", False, None),
    ]


def test_an_object_needing_attention_keeps_its_reason(adapters: Adapters) -> None:
    sid = created(adapters)
    upload = stored(issued(adapters, sid), "o1")
    adapters.store.record_upload(sid, upload)
    adapters.store.mark_attention(sid, upload, "the check kept failing")
    [version] = adapters.store.get(sid)[1]
    assert version.attention == "the check kept failing" and version.verdict is None


def test_a_stale_verdict_is_replaced_only_over_an_older_measurer(adapters: Adapters) -> None:
    sid = created(adapters)
    upload = stored(issued(adapters, sid), "o1")
    old = judged(upload)
    assert old.verdict is not None
    old = old.model_copy(update={"verdict": old.verdict.model_copy(update={"facts": Facts(measurer=0)})})
    adapters.store.record_verdict(sid, old)
    new = judged(upload, "fail").model_copy(update={"remeasured_from": "pass"})
    assert adapters.store.replace_stale_verdict(sid, new) is True
    assert adapters.store.replace_stale_verdict(sid, new) is False
    [version] = adapters.store.get(sid)[1]
    assert version.verdict is not None and version.verdict.facts.measurer == MEASURER_VERSION
    assert version.remeasured_from == "pass"


def test_edits_apply_to_a_live_submission_and_a_withdrawn_one_refuses_them(adapters: Adapters) -> None:
    sid = created(adapters)
    changed = adapters.store.update_metadata(sid, {"title": "New", "authors": [{"name": "B"}]}, LATER)
    assert (changed.title, [a.name for a in changed.authors], changed.updated_at) == ("New", ["B"], LATER)
    adapters.store.withdraw(sid, LATER, events.withdrawn(sid, LATER))
    with pytest.raises(SubmissionWithdrawn):
        adapters.store.update_metadata(sid, {"title": "Newer"}, LATER)
    with pytest.raises(SubmissionWithdrawn):
        adapters.store.withdraw(sid, LATER, events.withdrawn(sid, LATER))
    with pytest.raises(SubmissionWithdrawn):
        issued(adapters, sid)
    assert adapters.store.get(sid)[0].withdrawn_at == LATER


def test_bounces_and_extensions_are_recorded_on_the_submission(adapters: Adapters) -> None:
    sid = created(adapters)
    adapters.store.record_bounce(sid, "a@example.org")
    adapters.store.record_bounce(sid, "a@example.org")
    adapters.store.grant_extension(sid, T0 + timedelta(days=2), "chair@example.org", LATER)
    found, _ = adapters.store.get(sid)
    assert found.bounced == ["a@example.org"]
    assert (found.extension_until, found.extension_granted_by) == (
        T0 + timedelta(days=2),
        "chair@example.org",
    )


def test_a_snapshot_holds_the_submissions_oldest_first_with_their_markers_and_audit(
    adapters: Adapters,
) -> None:
    newer = created(adapters, "bcdefghjkm", created_at=LATER)
    older = created(adapters, "abcdefghjk")
    adapters.bookkeeping.mark_once("reminder:24", T0, older)
    adapters.bookkeeping.mark_once("call_closed", T0)
    adapters.bookkeeping.audit("chair@example.org", "extended", "a day", LATER, older)
    adapters.bookkeeping.audit("chair@example.org", "signed_in", "with a link", T0)
    snapshot = adapters.store.snapshot()
    assert [s.id for s, _ in snapshot.records] == [older, newer]
    assert [s.id for s, _ in adapters.store.all()] == [older, newer]
    assert snapshot.markers == {older: {"reminder:24"}, "": {"call_closed"}}
    assert [(e.action, e.at) for e in snapshot.audit[older]] == [("extended", LATER)]
    assert [e.action for e in snapshot.audit[""]] == ["signed_in"]


# ---- bookkeeping ---------------------------------------------------------------------------------------


def test_a_marker_is_set_once_per_submission_or_for_the_call(adapters: Adapters) -> None:
    sid = created(adapters)
    assert adapters.bookkeeping.mark_once("receipt", T0, sid) is True
    assert adapters.bookkeeping.mark_once("receipt", LATER, sid) is False
    assert adapters.bookkeeping.mark_once("receipt", T0) is True
    assert adapters.bookkeeping.markers(sid) == {"receipt"}
    assert adapters.bookkeeping.markers("nosuchid00") == set()


def test_a_counter_stops_at_its_most_within_its_window_only(adapters: Adapters) -> None:
    hour = T0.replace(minute=0)
    for _ in range(2):
        adapters.bookkeeping.count_once_more("client#x", hour, hour + timedelta(hours=1), 2)
    with pytest.raises(LimitReached):
        adapters.bookkeeping.count_once_more("client#x", hour, hour + timedelta(hours=1), 2)
    next_hour = hour + timedelta(hours=1)
    adapters.bookkeeping.count_once_more("client#x", next_hour, next_hour + timedelta(hours=1), 2)
    adapters.bookkeeping.count_once_more("client#y", hour, hour + timedelta(hours=1), 2)


def test_the_audit_trail_keeps_each_change_apart_and_in_order(adapters: Adapters) -> None:
    sid = created(adapters)
    adapters.bookkeeping.audit("b@example.org", "resent", "receipt", LATER, sid)
    adapters.bookkeeping.audit("a@example.org", "extended", "a day", T0, sid)
    adapters.bookkeeping.audit("a@example.org", "redrove", "2 messages", T0)
    assert [(e.by, e.action) for e in adapters.bookkeeping.history(sid)] == [
        ("a@example.org", "extended"),
        ("b@example.org", "resent"),
    ]
    assert [e.detail for e in adapters.bookkeeping.history()] == ["2 messages"]


# ---- the final phase ----------------------------------------------------------------------------------


def test_final_slots_are_numbered_apart_from_the_first_versions(adapters: Adapters) -> None:
    sid = created(adapters)
    issued(adapters, sid)
    poster = adapters.finals.issue_final(
        sid, "poster", lambda n: f"uploads/{sid}/poster-v{n}.pdf", T0, LATER, most=1
    )
    assert (poster.number, poster.kind, poster.key) == (1, "poster", f"uploads/{sid}/poster-v1.pdf")
    with pytest.raises(LimitReached):
        adapters.finals.issue_final(
            sid, "abstract", lambda n: f"uploads/{sid}/final-v{n}.pdf", T0, LATER, most=1
        )
    assert [(v.number, v.kind) for v in adapters.finals.finals(sid)] == [(1, "poster")]
    assert [(v.number, v.kind) for v in adapters.store.get(sid)[1]] == [(1, "abstract")]


def test_a_final_upload_is_kept_with_the_finals_and_never_among_the_first_versions(
    adapters: Adapters,
) -> None:
    sid = created(adapters)
    first = stored(issued(adapters, sid), "o1")
    adapters.store.record_upload(sid, first)
    slot = adapters.finals.issue_final(sid, "poster", lambda n: f"uploads/{sid}/poster-v{n}.pdf", T0, LATER)
    poster = stored(slot, "p1", LATER)
    adapters.store.record_upload(sid, poster)
    assert adapters.store.record_verdict(sid, judged(poster)) is True
    assert [(v.kind, v.object_id) for v in adapters.store.get(sid)[1]] == [("abstract", "o1")]
    [kept] = adapters.finals.finals(sid)
    assert (kept.kind, kept.object_id, kept.verdict is not None, kept.validated_at) == (
        "poster",
        "p1",
        True,
        LATER,
    )
    snapshot = adapters.store.snapshot()
    assert [(v.kind, v.object_id) for v in snapshot.finals[sid]] == [("poster", "p1")]
    assert [(v.kind, v.object_id) for _, versions in snapshot.records for v in versions] == [
        ("abstract", "o1")
    ]


def test_the_presenter_consent_and_final_extension_are_the_submissions(adapters: Adapters) -> None:
    sid = created(adapters)
    saved = adapters.finals.save_details(sid, "Ada", True, False, LATER)
    assert (saved.presenter, saved.publish_abstract, saved.publish_poster) == ("Ada", True, False)
    assert saved.final_confirmed_at == LATER
    extended = adapters.finals.extend_final(sid, LATER + timedelta(days=3), LATER)
    assert extended.final_extension_until == LATER + timedelta(days=3)
    assert adapters.store.get(sid)[0] == extended


# ---- sign-in -------------------------------------------------------------------------------------------


def test_a_sign_in_link_works_once_and_not_after_it_expires(adapters: Adapters) -> None:
    records = adapters.sign_in_records
    records.save_link("a" * 64, "chair@example.org", LATER)
    records.save_link("b" * 64, "chair@example.org", LATER)
    assert records.redeem_link("a" * 64, T0) == "chair@example.org"
    assert records.redeem_link("a" * 64, T0) is None
    assert records.redeem_link("b" * 64, LATER) is None
    assert records.redeem_link("c" * 64, T0) is None


def test_a_session_is_open_until_it_is_closed_or_expires(adapters: Adapters) -> None:
    records = adapters.sign_in_records
    records.open_session("s" * 64, "chair@example.org", LATER)
    assert records.session_is_open("s" * 64, T0) is True
    assert records.session_is_open("s" * 64, LATER) is False
    records.close_session("s" * 64)
    assert records.session_is_open("s" * 64, T0) is False


def test_a_mailbox_gets_one_link_a_minute_until_the_last_is_released(adapters: Adapters) -> None:
    records = adapters.sign_in_records
    assert records.claim_link_mail("m", T0, T0 - timedelta(minutes=1), LATER) is True
    soon = T0 + timedelta(seconds=30)
    assert records.claim_link_mail("m", soon, soon - timedelta(minutes=1), LATER) is False
    assert records.claim_link_mail("n", soon, soon - timedelta(minutes=1), LATER) is True
    records.release_link_mail("m")
    assert records.claim_link_mail("m", soon, soon - timedelta(minutes=1), LATER) is True


# ---- archive jobs --------------------------------------------------------------------------------------


def test_an_archive_job_is_built_under_its_latest_claim_only(adapters: Adapters) -> None:
    jobs = adapters.archive_jobs
    jobs.save_job(ArchiveJob("j1", True, "chair@example.org", T0, contents="posters"))
    assert jobs.job("nosuch") is None
    first = jobs.claim_job("j1", T0, LATER)
    second = jobs.claim_job("j1", T0, LATER)
    assert (first, second) == (1, 2)
    assert jobs.job_progress("j1", 1, 1, 3) is False
    assert jobs.job_progress("j1", 2, 1, 3) is True
    job = jobs.job("j1")
    assert job is not None and (job.state, job.done, job.total, job.contents) == ("building", 1, 3, "posters")
    assert jobs.finish_job("j1", 1, 10, LATER) is False
    assert jobs.finish_job("j1", 2, 10, LATER) is True
    assert jobs.claim_job("j1", LATER, LATER) is None
    assert jobs.fail_job("j1", 2, "late", LATER) is False
    done = jobs.job("j1")
    assert done is not None and (done.state, done.size, done.finished_at) == ("done", 10, LATER)


def test_a_failed_job_keeps_its_reason(adapters: Adapters) -> None:
    jobs = adapters.archive_jobs
    jobs.save_job(ArchiveJob("j2", False, "chair@example.org", T0))
    attempt = jobs.claim_job("j2", T0, LATER)
    assert attempt is not None and jobs.fail_job("j2", attempt, "out of time", LATER) is True
    failed = jobs.job("j2")
    assert failed is not None and (failed.state, failed.message) == ("failed", "out of time")


# ---- the program's boards ----------------------------------------------------------------------------


def test_boards_are_written_only_over_the_boards_read_before(adapters: Adapters) -> None:
    boards = adapters.boards
    assert boards.boards() == {}
    boards.assign({"abcdefghjk": "P1"}, {})
    with pytest.raises(BoardTaken):
        boards.assign({"bcdefghjkm": "P2"}, {})
    boards.assign({"bcdefghjkm": "P2"}, {"abcdefghjk": "P1"})
    assert boards.boards() == {"abcdefghjk": "P1", "bcdefghjkm": "P2"}


# ---- mail counts and suppressions ---------------------------------------------------------------------


def test_a_mailbox_is_admitted_to_at_most_so_many_submissions_an_hour(adapters: Adapters) -> None:
    counts, hour = adapters.mail_counts, T0.replace(minute=0)
    end = hour + timedelta(hours=1)
    assert counts.admit("m", "s1", hour, end, 1) is True
    assert counts.admit("m", "s1", hour, end, 1) is True
    assert counts.admit("m", "s2", hour, end, 1) is False
    assert counts.count_mail("m", "s1", "e1", hour, end, 1) is True
    assert counts.count_mail("m", "s1", "e1", hour, end, 1) is True
    assert counts.count_mail("m", "s1", "e2", hour, end, 1) is False


def test_suppressed_addresses_are_found_among_others(adapters: Adapters) -> None:
    adapters.suppressions.suppress("ada@example.org", "bounced", T0)
    assert adapters.suppressions.suppressed({"ada@example.org", "bob@example.org"}) == {"ada@example.org"}
    assert adapters.suppressions.suppressed(set()) == set()
