"""The four use cases (submissions, validation, notifications, the deadline keeper) against in-memory
fakes of their ports: every rule, no AWS, milliseconds each."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cfp.bootstrap import build_validator
from cfp.errors import RateLimited
from cfp.events import NotificationEvent
from cfp.formatcheck.models import Verdict
from cfp.mail.render import CallInfo, MailRenderer
from cfp.model import Decision, Window
from cfp.notifications import BatchOutcome, Notifier
from cfp.ports import ArchiveJob, StoredObject
from cfp.submission_views import (
    IdempotencyKeyReused,
    NotAuthorized,
    SubmissionCreated,
)
from cfp.validation import (
    DeadLetterSweep,
    UploadedObject,
    locate,
    s3_event_body,
    uploaded_objects,
)
from tests.support.fakes import FakeFinals, FakeSealer
from tests.support.use_cases import AOE, DEADLINE, REQUEST, T0, Outbox, World, notifier, settings, verdict


@pytest.fixture
def world() -> World:
    return World()


# ---- submissions --------------------------------------------------------------------------------------


def test_create_writes_the_record_and_its_event_together_then_queues_it(world: World) -> None:
    created = world.service.create(REQUEST)
    assert world.queue.kinds() == ["submitted"]
    assert world.store.outbox == {}
    sealed = world.queue.events[0].detail["sealed_token"]
    assert created.token not in sealed and FakeSealer().open(sealed, created.id) == created.token
    assert created.upload.expires_at == T0 + timedelta(minutes=15)


def test_a_queue_failure_leaves_the_event_in_the_outbox_and_still_answers(world: World) -> None:
    world.queue.down = True
    created = world.service.create(REQUEST)
    assert created.token and world.queue.events == []
    [(written_at, event)] = world.store.outbox.values()
    assert (written_at, event.event_id) == (T0, f"submitted:{created.id}")

    world.queue.down = False
    world.clock.advance(timedelta(seconds=59))
    world.keeper.run()
    assert world.queue.events == []
    world.clock.advance(timedelta(seconds=2))
    world.keeper.run()
    assert world.queue.kinds() == ["submitted"] and world.store.outbox == {}


def test_a_retry_with_the_same_key_is_the_same_submission(world: World) -> None:
    first = world.service.create(REQUEST, "key-1", "192.0.2.1")
    world.clock.advance(timedelta(minutes=1))
    again = world.service.create(REQUEST, "key-1", "192.0.2.1")
    assert (again.id, again.token, again.upload.version) == (first.id, first.token, 1)
    assert len(world.store.records) == 1 and world.queue.kinds() == ["submitted"]
    other = REQUEST.model_copy(update={"title": "Another title"})
    with pytest.raises(IdempotencyKeyReused):
        world.service.create(other, "key-1")
    world.clock.advance(timedelta(hours=24))
    assert world.service.create(REQUEST, "key-1").id != first.id


def test_a_retry_after_the_first_upload_url_expired_gets_a_new_one(world: World) -> None:
    first = world.service.create(REQUEST, "key-1")
    world.clock.advance(timedelta(minutes=20))
    again = world.service.create(REQUEST, "key-1")
    assert again.id == first.id and again.upload.version == 2


def test_the_hourly_limit_per_client_counts_only_new_submissions(world: World) -> None:
    world.settings = settings(max_submissions_per_client_per_hour=2)
    world.clock.instant = datetime(2017, 8, 20, 12, 45, tzinfo=UTC)
    world.service.create(REQUEST, "a", client="192.0.2.1")
    world.service.create(REQUEST, "a", client="192.0.2.1")
    world.service.create(REQUEST, "b", client="192.0.2.1")
    with pytest.raises(RateLimited) as refused:
        world.service.create(REQUEST, "c", client="192.0.2.1")
    assert refused.value.retry_after == 15 * 60
    world.clock.advance(timedelta(minutes=15))
    world.service.create(REQUEST, "c", client="192.0.2.1")


def test_the_hourly_limit_per_client(world: World) -> None:
    world.settings = settings(max_submissions_per_client_per_hour=1)
    world.service.create(REQUEST, client="192.0.2.1")
    world.service.create(REQUEST, client="198.51.100.1")
    with pytest.raises(RateLimited):
        world.service.create(REQUEST, client="192.0.2.1")


def test_upload_urls_per_submission_are_capped(world: World) -> None:
    world.settings = settings(max_uploads_per_submission=2)
    created = world.service.create(REQUEST)
    assert world.service.new_upload(created.id, created.token).upload.version == 2
    with pytest.raises(RateLimited, match="2 upload URLs"):
        world.service.new_upload(created.id, created.token)


def test_a_wrong_token_and_an_unknown_id_look_the_same(world: World) -> None:
    created = world.service.create(REQUEST)
    for submission_id, token in ((created.id, "wrong"), ("nosuchid00", created.token), (created.id, None)):
        with pytest.raises(NotAuthorized):
            world.service.read(submission_id, token)


def test_withdrawal_is_written_with_its_event(world: World) -> None:
    created = world.service.create(REQUEST)
    world.queue.down = True
    view = world.service.withdraw(created.id, created.token)
    assert view.status == "withdrawn" and view.withdrawn_at == T0
    assert [e.kind for _, e in world.store.outbox.values()] == ["withdrawn"]


# ---- validation ---------------------------------------------------------------------------------------


def test_an_upload_is_on_record_before_it_is_checked(world: World) -> None:
    created = world.service.create(REQUEST)
    seen_while_checking: list[str] = []

    def check(data: bytes) -> Verdict:
        seen_while_checking.append(world.service.read(created.id, created.token).status)
        return verdict()

    validator = build_validator(world.adapters, checker=check)
    validator.validate(world.upload(created.upload.fields["key"], T0))
    assert seen_while_checking == ["validating"]
    assert world.service.read(created.id, created.token).status == "pass"


def test_a_replayed_event_is_not_checked_twice_but_announced_again(world: World) -> None:
    created = world.service.create(REQUEST)
    world.queue.events.clear()
    upload = world.upload(created.upload.fields["key"], T0)
    world.outcomes = ["fail"]
    world.validator.validate(upload)
    assert world.validator.validate(upload) == verdict("fail")
    assert len(world.checked) == 1
    assert [e.event_id for e in world.queue.events] == [f"verdict:{created.id}:v1:v1"] * 2


def test_a_late_upload_is_announced_as_late(world: World) -> None:
    created = world.service.create(REQUEST)
    world.queue.events.clear()
    world.validator.validate(world.upload(created.upload.fields["key"], DEADLINE + timedelta(seconds=1)))
    assert world.queue.kinds() == ["late_upload"]
    world.validator.validate(world.upload(next_key(world, created), DEADLINE + timedelta(milliseconds=999)))
    assert world.queue.kinds() == ["late_upload", "verdict"]


def test_uploads_past_the_limit_are_kept_and_flagged_unchecked(world: World) -> None:
    world.settings = settings(max_uploads_per_submission=1)
    created = world.service.create(REQUEST)
    key = created.upload.fields["key"]
    world.validator.validate(world.upload(key, T0))
    assert world.validator.validate(world.upload(key, T0 + timedelta(seconds=1))) is None
    assert len(world.checked) == 1
    _, versions = world.store.get(created.id)
    assert [v.attention is not None for v in versions] == [False, True]
    assert world.queue.kinds()[-1] == "attention"


def test_a_key_the_service_never_issued_is_ignored(world: World) -> None:
    world.service.create(REQUEST)
    for key in ("uploads/nosuchid00/v1.pdf", "uploads/elsewhere.pdf", "other/x.pdf"):
        assert world.validator.validate(world.upload(key, T0)) is None
    assert world.checked == []


def test_the_dead_letter_sweep_flags_once_and_leaves_judged_uploads_alone(world: World) -> None:
    created = world.service.create(REQUEST)
    world.queue.events.clear()
    lost = world.upload(created.upload.fields["key"], T0)
    body = json.dumps(
        {
            "Records": [
                {
                    "eventName": "ObjectCreated:Post",
                    "eventTime": T0.isoformat(),
                    "s3": {
                        "bucket": {"name": "uploads"},
                        "object": {
                            "key": lost.key,
                            "size": 8,
                            "eTag": lost.etag,
                            "versionId": lost.version_id,
                        },
                    },
                }
            ]
        }
    )
    sweep = DeadLetterSweep(
        settings=world.settings,
        store=world.store,
        queue=world.queue,
        clock=world.clock,
        finals=FakeFinals(world.store),
    )
    assert sweep.run(["{}", body]) == 1  # a message that is no S3 event is skipped
    assert sweep.run([body]) == 0
    assert world.queue.kinds() == ["attention"]
    assert world.service.read(created.id, created.token).status == "needs_attention"


def s3_message(*records: dict[str, Any]) -> str:
    return json.dumps({"Records": list(records)})


def s3_created(key: str, name: str = "ObjectCreated:Post", **extra: Any) -> dict[str, Any]:
    return {
        "eventName": name,
        "eventTime": "2017-08-20T12:00:00.123Z",
        "s3": {"bucket": {"name": "uploads"}, "object": {"key": key, **extra}},
    }


def test_an_s3_message_is_read_leniently_with_its_keys_decoded() -> None:
    body = s3_message(
        s3_created("uploads/ab12cd34/v2.pdf", name="ObjectRemoved:Delete"),
        s3_created("elsewhere/ab12cd34/v1.pdf"),
        s3_created(
            "uploads%2Fab12cd34%2Fv1.pdf",
            size=42,
            eTag='"9b2cf535"',
            versionId="3HL4kq",
            sequencer="0055AED6",
        ),
        s3_created("uploads/ab12cd34/v2.pdf", name="ObjectRemoved:Delete"),
        s3_created("uploads/my+file%2Bx.pdf"),
    )
    first, second = uploaded_objects(body, "uploads/")
    assert first == UploadedObject(
        bucket="uploads",
        key="uploads/ab12cd34/v1.pdf",
        size=42,
        etag="9b2cf535",
        version_id="3HL4kq",
        sequencer="0055AED6",
        uploaded_at=datetime(2017, 8, 20, 12, 0, 0, 123000, tzinfo=UTC),
    )
    assert (second.key, second.size, second.etag, second.version_id, second.sequencer) == (
        "uploads/my file+x.pdf",
        0,
        "",
        None,
        None,
    )


def test_the_s3_test_event_is_nothing_and_anything_else_an_error() -> None:
    assert uploaded_objects(json.dumps({"Event": "s3:TestEvent", "Bucket": "uploads"}), "uploads/") == []
    for body in ("[]", "{}", '{"Records": {}}', '{"Event": "s3:Other"}'):
        with pytest.raises(ValueError, match=r"^not an S3 event notification$"):
            uploaded_objects(body, "uploads/")


def test_a_lost_objects_event_reads_back_as_the_object(world: World) -> None:
    stored = StoredObject("uploads/my file+x.pdf", "v7", datetime(2017, 8, 31, 11, 0, 5, tzinfo=UTC), 9, "e1")
    body = s3_event_body("uploads", stored)
    [record] = json.loads(body)["Records"]
    assert (record["eventVersion"], record["eventSource"], record["eventName"]) == (
        "2.1",
        "aws:s3",
        "ObjectCreated:Post",
    )
    assert record["eventTime"] == "2017-08-31T11:00:05Z"
    assert record["s3"]["object"] == {
        "key": "uploads/my+file%2Bx.pdf",
        "size": 9,
        "eTag": "e1",
        "versionId": "v7",
    }
    [upload] = uploaded_objects(body, "uploads/")
    assert (upload.bucket, upload.key, upload.size, upload.etag, upload.version_id) == (
        "uploads",
        "uploads/my file+x.pdf",
        9,
        "e1",
        "v7",
    )
    assert upload.uploaded_at == datetime(2017, 8, 31, 11, 0, 5, tzinfo=UTC)
    unversioned = s3_event_body("uploads", StoredObject("uploads/a.pdf", None, T0, 1, "e2"))
    assert "versionId" not in json.loads(unversioned)["Records"][0]["s3"]["object"]


def test_the_judged_upload_is_stored_with_its_facts_and_announced(world: World) -> None:
    created = world.service.create(REQUEST)
    world.queue.events.clear()
    world.clock.advance(timedelta(seconds=30))
    upload = world.upload(created.upload.fields["key"], T0 + timedelta(seconds=20), b"%PDF-1.7 abc")
    upload = upload.model_copy(update={"sequencer": "0055AED6"})
    assert world.validator.validate(upload) == verdict()
    _, [stored] = world.store.get(created.id)
    assert stored.sequencer == "0055AED6"
    assert (stored.object_id, stored.version_id, stored.etag, stored.size) == ("v1", "v1", "etag1", 12)
    assert (stored.uploaded_at, stored.validated_at) == (
        T0 + timedelta(seconds=20),
        T0 + timedelta(seconds=30),
    )
    assert stored.verdict == verdict() and stored.attention is None
    [announced] = world.queue.events
    assert announced.model_dump() == {
        "kind": "verdict",
        "event_id": f"verdict:{created.id}:v1:v1",
        "occurred_at": T0 + timedelta(seconds=30),
        "submission_id": created.id,
        "version": 1,
        "object_id": "v1",
        "detail": {},
    }


def test_an_object_without_a_version_is_named_by_its_etag(world: World) -> None:
    created = world.service.create(REQUEST)
    world.queue.events.clear()
    upload = world.upload(created.upload.fields["key"], T0).model_copy(update={"version_id": None})
    world.bucket.data[(upload.key, None)] = b"%PDF-1.7"
    world.validator.validate(upload)
    assert [e.event_id for e in world.queue.events] == [f"verdict:{created.id}:v1:etag1"]


def test_the_checker_reads_one_byte_past_the_limit_at_most(world: World) -> None:
    world.settings = settings(max_upload_mb=1)
    created = world.service.create(REQUEST)
    world.validator.validate(world.upload(created.upload.fields["key"], T0, b"x" * (1024 * 1024 + 10)))
    assert [len(data) for data in world.checked] == [1024 * 1024 + 1]


def test_an_upload_recorded_but_never_judged_is_judged_on_the_next_delivery(world: World) -> None:
    created = world.service.create(REQUEST)
    upload = world.upload(created.upload.fields["key"], T0)
    world.validate_crashing(upload)
    assert world.service.read(created.id, created.token).status == "validating"
    world.outcomes = ["fail"]
    assert world.validator.validate(upload) == verdict("fail")
    assert world.service.read(created.id, created.token).status == "fail"


def test_the_upload_limit_counts_uploads_and_zero_means_none(world: World) -> None:
    world.settings = settings(max_uploads_per_submission=3)
    created = world.service.create(REQUEST)
    keys = [created.upload.fields["key"], next_key(world, created), next_key(world, created)]
    world.settings = settings(max_uploads_per_submission=2)  # lowered after three URLs were given
    for second, key in enumerate(keys):
        world.validator.validate(world.upload(key, T0 + timedelta(seconds=second)))
    assert len(world.checked) == 2
    _, versions = world.store.get(created.id)
    assert [v.attention for v in versions] == [
        None,
        None,
        "not checked: the submission already has 2 uploads, the most the call checks",
    ]
    [flagged] = [e for e in world.queue.events if e.kind == "attention"]
    assert (flagged.event_id, flagged.detail) == (
        f"attention:{created.id}:v3:v3",
        {"reason": "not checked: the submission already has 2 uploads, the most the call checks"},
    )
    world.settings = settings(max_uploads_per_submission=0)
    unlimited = world.service.create(REQUEST)
    for second in range(25):
        key = unlimited.upload.fields["key"] if second == 0 else next_key(world, unlimited)
        world.validator.validate(world.upload(key, T0 + timedelta(seconds=second)))
    assert len(world.checked) == 27


def test_giving_up_flags_the_upload_with_the_error_it_died_of(world: World) -> None:
    created = world.service.create(REQUEST)
    world.queue.events.clear()
    upload = world.upload(created.upload.fields["key"], T0)
    world.validator.give_up(upload, ConnectionError("S3 did not answer"))
    reason = (
        "the upload could not be checked (ConnectionError); its message is going to the dead-letter queue"
    )
    _, [flagged] = world.store.get(created.id)
    assert (flagged.object_id, flagged.attention, flagged.verdict) == ("v1", reason, None)
    assert [(e.kind, e.detail) for e in world.queue.events] == [("attention", {"reason": reason})]
    world.validator.give_up(world.upload("uploads/nosuchid00/v1.pdf", T0), ValueError())
    assert len(world.queue.events) == 1


def test_uploads_to_slots_never_issued_are_ignored(world: World) -> None:
    created = world.service.create(REQUEST)
    world.queue.events.clear()
    for key in (f"uploads/{created.id}/v2.pdf", "uploads/nosuchid00/v1.pdf", f"uploads/{created.id}.pdf"):
        upload = world.upload(key, T0)
        assert world.validator.validate(upload) is None
        world.validator.give_up(upload, ValueError())
    assert world.checked == [] and world.queue.events == []
    assert world.store.get(created.id)[1][0].uploaded is False


# ---- the deadline keeper ------------------------------------------------------------------------------


SETTLED = DEADLINE + timedelta(minutes=15, seconds=1)


def test_the_keeper_marks_failed_an_archive_killed_on_its_last_try_once_and_keeps_the_letter(
    world: World,
) -> None:
    world.jobs.save_job(ArchiveJob("0123456789abcdef", False, "chair@example.org", T0))
    world.jobs.claim_job("0123456789abcdef", T0, T0 + timedelta(minutes=15))  # then killed: no word
    world.archive_dead.held.append('{"job_id": "0123456789abcdef"}')
    world.clock.instant = T0 + timedelta(hours=8)
    assert world.keeper.run() == {
        "reminders": 0,
        "confirmations": 0,
        "call_closed": 0,
        "final_reminders": 0,
        "finals_closed": 0,
    }
    job = world.jobs.job("0123456789abcdef")
    assert job is not None and (job.state, job.finished_at) == ("failed", T0 + timedelta(hours=8))
    assert job.message == (
        "The build stopped without finishing: it may have run out of memory or time; start it again."
    )
    assert world.archive_dead.held == ['{"job_id": "0123456789abcdef"}']
    assert world.queue.events == [], "organizers follow the job on the console; nothing is mailed"
    world.clock.advance(timedelta(minutes=15))
    world.keeper.run()
    assert world.jobs.job("0123456789abcdef") == job


def test_the_keeper_puts_back_an_on_time_upload_whose_event_was_lost(world: World) -> None:
    created = world.service.create(REQUEST)
    world.bucket.put(created.upload.fields["key"], b"%PDF", DEADLINE - timedelta(seconds=3))
    world.bucket.put(
        created.upload.fields["key"], b"%PDF", DEADLINE + timedelta(seconds=3)
    )  # late: not awaited
    world.clock.instant = SETTLED
    counts = world.keeper.run()
    assert counts == {
        "reminders": 0,
        "confirmations": 0,
        "call_closed": 0,
        "final_reminders": 0,
        "finals_closed": 0,
    }
    [body] = world.requeue.bodies
    assert json.loads(body)["Records"][0]["s3"]["object"]["versionId"] == "v1"


def test_the_keeper_looks_past_objects_it_must_skip_to_the_lost_one(world: World) -> None:
    created = world.service.create(REQUEST)
    recorded = world.upload(created.upload.fields["key"], DEADLINE - timedelta(minutes=9))
    world.validator.validate(recorded)
    world.service.new_upload(created.id, created.token)
    last_on_time = DEADLINE + timedelta(microseconds=999_999)
    for key, at in (
        ("uploads/not-a-key.pdf", DEADLINE - timedelta(minutes=8)),  # never issued
        ("uploads/zzzz9999/v1.pdf", DEADLINE - timedelta(minutes=7)),  # no such submission
        (f"uploads/{created.id}/v7.pdf", DEADLINE - timedelta(minutes=6)),  # no such version
        (f"uploads/{created.id}/v2.pdf", DEADLINE + timedelta(seconds=1)),  # late
        (f"uploads/{created.id}/v2.pdf", last_on_time),  # on time, lost
    ):
        world.bucket.put(key, b"%PDF", at)
    world.clock.instant = SETTLED
    world.keeper.run()
    [body] = world.requeue.bodies
    s3 = json.loads(body)["Records"][0]["s3"]["object"]
    assert (s3["key"], s3["versionId"]) == (f"uploads/{created.id}/v2.pdf", "v6")


def test_once_everything_is_closed_the_keeper_lists_nothing_more(world: World) -> None:
    kept = world.service.create(REQUEST)
    gone = world.service.create(REQUEST)
    world.validator.validate(world.upload(kept.upload.fields["key"], DEADLINE - timedelta(minutes=1)))
    world.service.withdraw(gone.id, gone.token)
    world.clock.instant = SETTLED
    assert world.keeper.run() == {
        "reminders": 0,
        "confirmations": 1,
        "call_closed": 1,
        "final_reminders": 0,
        "finals_closed": 0,
    }
    # An object the store never saw, dated on time: nothing is left to close, so it is not looked for.
    world.bucket.put(kept.upload.fields["key"], b"%PDF", DEADLINE - timedelta(seconds=5))
    world.keeper.run()
    assert world.requeue.bodies == []


def test_after_the_call_closed_a_lost_upload_within_an_extension_is_still_checked(world: World) -> None:
    created = world.service.create(REQUEST)
    world.store.grant_extension(created.id, DEADLINE + timedelta(days=1), "chair", T0)
    world.clock.instant = SETTLED
    assert world.keeper.run()["call_closed"] == 1
    world.bucket.put(created.upload.fields["key"], b"%PDF", DEADLINE + timedelta(hours=2))
    world.clock.instant = DEADLINE + timedelta(days=1, minutes=16)
    world.keeper.run()
    assert len(world.requeue.bodies) == 1


def test_a_confirmation_waits_exactly_fifteen_minutes_after_the_last_second(world: World) -> None:
    created = world.service.create(REQUEST)
    world.validator.validate(world.upload(created.upload.fields["key"], DEADLINE - timedelta(minutes=1)))
    world.clock.instant = DEADLINE + timedelta(minutes=15, microseconds=999_999)
    assert world.keeper.run()["confirmations"] == 0
    world.clock.advance(timedelta(microseconds=1))
    assert world.keeper.run()["confirmations"] == 1


def test_the_keeper_closes_once_everything_on_time_is_judged(world: World) -> None:
    created = world.service.create(REQUEST)
    world.validator.validate(world.upload(created.upload.fields["key"], DEADLINE))
    world.clock.instant = SETTLED
    assert world.keeper.run() == {
        "reminders": 0,
        "confirmations": 1,
        "call_closed": 1,
        "final_reminders": 0,
        "finals_closed": 0,
    }
    assert world.keeper.run() == {
        "reminders": 0,
        "confirmations": 0,
        "call_closed": 0,
        "final_reminders": 0,
        "finals_closed": 0,
    }


def test_a_changed_record_brings_one_corrected_confirmation(world: World) -> None:
    world.outcomes = ["fail", "pass"]
    created = world.service.create(REQUEST)
    key = created.upload.fields["key"]
    world.validator.validate(world.upload(key, DEADLINE - timedelta(minutes=1)))
    world.clock.instant = SETTLED
    world.keeper.run()
    world.queue.events.clear()
    # An extension lets the authors upload a passing file after all.
    world.store.grant_extension(created.id, DEADLINE + timedelta(days=1), "chair", SETTLED)
    world.validator.validate(world.upload(key, DEADLINE + timedelta(hours=1)))
    world.clock.instant = DEADLINE + timedelta(days=1, minutes=16)
    world.keeper.run()
    on_record = [e for e in world.queue.events if e.kind == "on_record"]
    assert [e.detail for e in on_record] == [{"corrected": True}]
    world.keeper.run()
    assert [e for e in world.queue.events if e.kind == "on_record"] == on_record


# ---- notifications ------------------------------------------------------------------------------------


def test_a_burst_of_uploads_brings_the_author_one_verdict_mail(world: World) -> None:
    world.outcomes = ["fail", "fail", "pass"]
    created = world.service.create(REQUEST)
    world.queue.events.clear()
    keys = [created.upload.fields["key"], next_key(world, created), next_key(world, created)]
    world.queue.events.clear()
    for i, key in enumerate(keys):
        world.validator.validate(world.upload(key, T0 + timedelta(seconds=i)))
    outbox, outcome = Outbox(), BatchOutcome()
    sender = notifier(world, outbox)
    for event in world.queue.events:
        sender.handle(event, outcome)
    assert [m.subject for m in outbox.sent.values()] == [
        f"[Workshop] Format check PASS: Learned Index Structures ({created.id})"
    ]
    assert len(outcome.events) == 3


def test_the_receipt_carries_the_token_the_queue_only_saw_sealed(world: World) -> None:
    created = world.service.create(REQUEST)
    outbox = Outbox()
    notifier(world, outbox).handle(world.queue.events[0], BatchOutcome())
    [receipt] = outbox.sent.values()
    assert created.token in receipt.text


def test_a_refused_address_is_recorded_as_bounced_and_reported(world: World) -> None:
    created = world.service.create(REQUEST)
    outbox, outcome = Outbox(refuse={"ada@example.org"}), BatchOutcome()
    notifier(world, outbox).handle(world.queue.events[0], outcome)
    assert outcome.bounces == [(created.id, "ada@example.org")]
    assert world.store.get(created.id)[0].bounced == ["ada@example.org"]


def deliver(world: World, sender: Notifier) -> BatchOutcome:
    """One notifier batch of everything queued since the last one."""
    outcome = BatchOutcome()
    for event in world.queue.events:
        sender.handle(event, outcome)
    world.queue.events.clear()
    sender.digest(outcome)
    return outcome


def subjects(outbox: Outbox, to: str) -> list[str]:
    return [m.subject for m in outbox.sent.values() if m.to == (to,)]


def test_a_second_on_time_upload_gets_its_own_verdict_mail(world: World) -> None:
    world.outcomes = ["fail", "pass"]
    created = world.service.create(REQUEST)
    outbox = Outbox()
    sender = notifier(world, outbox)
    key = created.upload.fields["key"]
    world.validator.validate(world.upload(key, T0))
    deliver(world, sender)
    world.clock.advance(timedelta(hours=1))
    world.validator.validate(world.upload(next_key(world, created), T0 + timedelta(hours=1)))
    deliver(world, sender)
    title = f"Learned Index Structures ({created.id})"
    assert subjects(outbox, "ada@example.org") == [
        f"[Workshop] Received: {title}",
        f"[Workshop] Format check FAIL: {title}",
        f"[Workshop] Format check PASS: {title}",
    ]


def test_a_late_upload_does_not_silence_the_verdict_of_the_on_time_one(world: World) -> None:
    created = world.service.create(REQUEST)
    world.queue.events.clear()
    key = created.upload.fields["key"]
    late_key = next_key(world, created)
    world.queue.events.clear()
    world.validator.validate(world.upload(key, DEADLINE - timedelta(minutes=1)))
    world.validator.validate(world.upload(late_key, DEADLINE + timedelta(minutes=1)))
    outbox = Outbox()
    deliver(world, notifier(world, outbox))
    title = f"Learned Index Structures ({created.id})"
    assert subjects(outbox, "ada@example.org") == [
        f"[Workshop] Format check PASS: {title}",
        f"[Workshop] Late upload kept, not counted: {title}",
    ]


def next_key(world: World, created: SubmissionCreated) -> str:
    """The key of a new upload URL for the submission: each upload comes with a URL of its own."""
    return world.service.new_upload(created.id, created.token).upload.fields["key"]


def event(kind: str, event_id: str, submission_id: str | None, **detail: Any) -> NotificationEvent:
    """An event as it arrives on the queue, written out."""
    return NotificationEvent.model_validate(
        {
            "kind": kind,
            "event_id": event_id,
            "occurred_at": T0 + timedelta(days=1),
            "submission_id": submission_id,
            "detail": detail,
        }
    )


def test_after_a_withdrawal_the_authors_hear_of_the_withdrawal_and_nothing_more(world: World) -> None:
    created = world.service.create(REQUEST)
    world.queue.events.clear()
    world.validator.validate(world.upload(created.upload.fields["key"], T0))
    world.service.withdraw(created.id, created.token)
    for later in (
        event("reminder", f"reminder:{created.id}:24h", created.id, hours=24),
        event("on_record", f"on_record:{created.id}", created.id),
        event("decision", f"decision:{created.id}:accepted", created.id, decision="accepted", note="A."),
    ):
        world.queue.publish(later)
    outbox = Outbox()
    outcome = deliver(world, notifier(world, outbox))
    assert subjects(outbox, "ada@example.org") == [
        f"[Workshop] Withdrawn: Learned Index Structures ({created.id})"
    ]
    # The organizers still hear of the upload, the withdrawal and the decision; reminders and
    # confirmations are no news to them.
    assert [str(e.kind) for e in outcome.events] == ["verdict", "withdrawn", "decision"]


def test_the_call_closing_brings_the_organizers_the_final_digest_once(world: World) -> None:
    world.service.create(REQUEST)
    world.queue.events.clear()
    closed = event("call_closed", f"call_closed:{DEADLINE.isoformat()}", None)
    outbox, outcome = Outbox(), BatchOutcome()
    sender = notifier(world, outbox)
    sender.handle(closed, outcome)
    sender.handle(closed, outcome)
    assert list(outbox.sent) == [f"call_closed:{DEADLINE.isoformat()}:digest"]
    [final] = outbox.sent.values()
    assert (final.to, final.subject) == (
        ("chair@example.org",),
        "[Workshop] Final digest: the call is closed",
    )
    assert outcome == BatchOutcome()


def test_an_event_about_no_submission_is_refused_and_one_about_an_unknown_one_skipped(world: World) -> None:
    outbox, outcome = Outbox(), BatchOutcome()
    sender = notifier(world, outbox)
    with pytest.raises(ValueError, match=r"^verdict event without a submission id$"):
        sender.handle(event("verdict", "verdict:x", None), outcome)
    sender.handle(event("withdrawn", "withdrawn:nosuchid00", "nosuchid00"), outcome)
    assert (outbox.sent, outcome) == ({}, BatchOutcome())


def test_one_digest_per_batch_whatever_the_order_of_its_events(world: World) -> None:
    first = world.service.create(REQUEST)
    world.service.create(REQUEST)
    batch = list(world.queue.events)
    outbox = Outbox()
    sender = notifier(world, outbox)
    deliver(world, sender)
    world.queue.events.extend(reversed(batch))
    deliver(world, sender)
    [digest] = subjects(outbox, "chair@example.org")
    assert digest == "[Workshop] Digest: 2 new submissions"
    # The same events with a bounce are another batch: its digest is sent too.
    world.queue.events.extend(batch)
    outcome = BatchOutcome()
    for queued in world.queue.events:
        sender.handle(queued, outcome)
    outcome.bounces.append((first.id, "ada@example.org"))
    sender.digest(outcome)
    assert len(subjects(outbox, "chair@example.org")) == 2
    # A quiet batch sends nothing.
    sender.digest(BatchOutcome())
    assert len(outbox.sent) == 4


@dataclass
class Metrics:
    """Records the metrics the code adds, as CloudWatch would receive them."""

    added: list[tuple[str, str, float]] = field(default_factory=list)

    def add_metric(self, name: str, unit: str, value: float) -> None:
        self.added.append((name, unit, value))


def test_a_refused_organizer_address_is_counted_and_does_not_fail_the_batch(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    metrics = Metrics()
    monkeypatch.setattr("cfp.notifications.metrics", metrics)
    world.service.create(REQUEST)
    outbox = Outbox(refuse={"chair@example.org"})
    outcome = deliver(world, notifier(world, outbox))
    assert [str(e.kind) for e in outcome.events] == ["submitted"]
    assert subjects(outbox, "chair@example.org") == []
    assert metrics.added == [("DigestRejected", "Count", 1)]


def test_resent_mails_reminders_and_confirmations_are_not_news_for_the_digest(world: World) -> None:
    created = world.service.create(REQUEST)
    world.queue.events.clear()
    outbox, outcome = Outbox(), BatchOutcome()
    sender = notifier(world, outbox)
    for quiet in (
        event("submitted", f"resent:receipt:{created.id}:1", created.id, resent_by="chair"),
        event("reminder", f"reminder:{created.id}:24h", created.id, hours=24),
        event("on_record", f"on_record:{created.id}", created.id),
    ):
        sender.handle(quiet, outcome)
    assert outcome == BatchOutcome()
    title = f"Learned Index Structures ({created.id})"
    assert subjects(outbox, "ada@example.org") == [
        f"[Workshop] Received: {title}",
        f"[Workshop] Reminder, 10 d 11 h 59 min left: {title}",
        f"[Workshop] Call closed, on record: {title}",
    ]
    # A receipt sent again carries no token: none was sealed into its event.
    assert "token" not in outbox.sent[f"resent:receipt:{created.id}:1"].text.lower()


def test_no_reminder_once_the_file_passes_and_decisions_carry_the_note(world: World) -> None:
    created = world.service.create(REQUEST)
    world.validator.validate(world.upload(created.upload.fields["key"], T0))
    world.queue.events.clear()
    outbox, outcome = Outbox(), BatchOutcome()
    sender = notifier(world, outbox)
    sender.handle(event("reminder", f"reminder:{created.id}:24h", created.id, hours=24), outcome)
    sender.handle(
        event("decision", f"decision:{created.id}:rejected", created.id, decision="rejected", note="Full."),
        outcome,
    )
    [decision] = outbox.sent.values()
    assert decision.subject == f"[Workshop] Not accepted: Learned Index Structures ({created.id})"
    assert "Full." in decision.text


def test_an_object_named_by_nothing_keeps_an_empty_name_in_its_events(world: World) -> None:
    created = world.service.create(REQUEST)
    world.queue.events.clear()
    key = created.upload.fields["key"]
    world.bucket.data[(key, None)] = b"%PDF-1.7"
    nameless = UploadedObject(bucket="uploads", key=key, size=8, etag="", version_id=None, uploaded_at=T0)
    world.validator.validate(nameless)
    world.validator.give_up(nameless, ValueError())
    assert [e.event_id for e in world.queue.events] == [
        f"verdict:{created.id}:v1:",
        f"attention:{created.id}:v1:",
    ]


def test_a_lost_objects_event_is_dated_in_utc_whatever_the_machines_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        stored = StoredObject("uploads/a.pdf", "v1", datetime(2017, 8, 31, 11, 0, 5, tzinfo=AOE), 1, "e")
        [record] = json.loads(s3_event_body("uploads", stored))["Records"]
    finally:
        monkeypatch.undo()
        time.tzset()
    assert record["eventTime"] == "2017-08-31T23:00:05Z"


def dead_lettered(upload: UploadedObject) -> str:
    return s3_message(s3_created(upload.key, size=upload.size, eTag=upload.etag, versionId=upload.version_id))


def test_the_dead_letter_sweep_flags_each_lost_upload_by_its_own_object(world: World) -> None:
    reason = "the upload could not be checked after every retry; its message is in the dead-letter queue"
    created = world.service.create(REQUEST)
    other = world.service.create(REQUEST)
    key = created.upload.fields["key"]
    world.validator.validate(world.upload(key, T0))
    lost = world.upload(key, T0 + timedelta(seconds=1))
    crashed = world.upload(other.upload.fields["key"], T0)
    world.validate_crashing(crashed)
    world.queue.events.clear()
    sweep = DeadLetterSweep(
        settings=world.settings,
        store=world.store,
        queue=world.queue,
        clock=world.clock,
        finals=FakeFinals(world.store),
    )
    unknown = world.upload("uploads/nosuchid00/v1.pdf", T0)
    assert sweep.run([dead_lettered(unknown), dead_lettered(lost), dead_lettered(crashed)]) == 2
    _, versions = world.store.get(created.id)
    assert sorted((v.object_id, v.attention) for v in versions) == [("v1", None), ("v2", reason)]
    _, [flagged] = world.store.get(other.id)
    assert (flagged.object_id, flagged.attention) == ("v3", reason)
    assert [e.event_id for e in world.queue.events] == [
        f"attention:{created.id}:v1:v2",
        f"attention:{other.id}:v1:v3",
    ]


def test_a_new_object_in_a_judged_slot_is_located_as_unjudged(world: World) -> None:
    created = world.service.create(REQUEST)
    key = created.upload.fields["key"]
    first = world.upload(key, T0)
    world.validator.validate(first)
    world.validator.give_up(first, ValueError())
    second = world.upload(key, T0 + timedelta(minutes=1)).model_copy(update={"sequencer": "0055B"})
    found = locate(world.store, FakeFinals(world.store), "uploads/", second)
    assert found is not None
    submission, record, versions = found
    assert submission.id == created.id and [v.object_id for v in versions] == ["v1"]
    assert (record.number, record.object_id, record.version_id, record.etag, record.size) == (
        1,
        "v2",
        "v2",
        "etag2",
        8,
    )
    assert (record.uploaded_at, record.sequencer) == (T0 + timedelta(minutes=1), "0055B")
    assert (record.verdict, record.validated_at, record.attention) == (None, None, None)


def test_confirmations_corrections_and_decisions_say_what_their_event_says(world: World) -> None:
    created = world.service.create(REQUEST)
    recorded = world.upload(created.upload.fields["key"], T0)
    world.validate_crashing(recorded)
    world.queue.events.clear()
    outbox, outcome = Outbox(), BatchOutcome()
    sender = notifier(world, outbox)
    for said in (
        # A verdict event for an upload on record but not judged yet brings no mail.
        event("verdict", f"resent:verdict:{created.id}:1", created.id, resent_by="chair").model_copy(
            update={"version": 1, "object_id": "v1"}
        ),
        event("on_record", f"on_record:{created.id}:ab12", created.id, corrected=True),
        event("decision", f"decision:{created.id}:accepted", created.id, decision="accepted"),
    ):
        sender.handle(said, outcome)
    title = f"Learned Index Structures ({created.id})"
    assert subjects(outbox, "ada@example.org") == [
        f"[Workshop] Corrected: call closed, on record: {title}",
        f"[Workshop] Accepted: {title}",
    ]
    submission, _ = world.store.get(created.id)
    renderer = MailRenderer(CallInfo("Workshop", Window(DEADLINE), ("chair@example.org",), 2))
    assert outbox.sent[f"decision:{created.id}:accepted"] == renderer.decision(
        submission, Decision.ACCEPTED, ""
    )
