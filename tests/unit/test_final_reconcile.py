"""S3 is the truth for the final uploads too: a final abstract or poster whose event never reached the
validator is put back on its queue before the final-phase digest, which waits for its verdict instead of
calling it missing; ``cfp admin reconcile`` finds it as well. On the fakes, to the second."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from cfp import events
from cfp.bootstrap import build_keeper, build_operations
from cfp.clock import FixedClock
from cfp.deadline import SETTLE
from cfp.formatcheck.models import MEASURER_VERSION, Facts, Verdict
from cfp.model import Decision, Version, final_key
from cfp.release_records import decision_marker
from cfp.validation import s3_event_body
from tests.support.fakes import (
    FakeBucket,
    FakeDeadLetters,
    FakeQueue,
    FakeStore,
    fake_adapters,
)
from tests.support.records import DEADLINE, T0, submission
from tests.support.use_cases import settings

FINAL_DEADLINE = DEADLINE + timedelta(days=40)
SETTLED = FINAL_DEADLINE + SETTLE + timedelta(seconds=1)


class Call:
    """One accepted poster whose acceptance was mailed, in the fakes, and the keeper and operations."""

    def __init__(self) -> None:
        self.clock = FixedClock(T0)
        self.dead = FakeDeadLetters()
        self.store, self.bucket, self.requeue, self.queue = (
            FakeStore(),
            FakeBucket(),
            FakeQueue(),
            FakeQueue(),
        )
        self.settings = settings(deadline=DEADLINE, final_deadline=FINAL_DEADLINE)
        self.adapters = fake_adapters(
            self.settings,
            self.clock,
            self.store,
            bucket=self.bucket,
            notification_queue=self.queue,
            validation_queue=self.requeue,
            validation_dead_letters=self.dead,
        )
        accepted = submission(id="poster0001", decision=Decision.ACCEPTED, decision_version=1)
        self.store.create(accepted, events.withdrawn(accepted.id, T0))
        self.adapters.bookkeeping.mark_once(decision_marker(1, "accepted"), T0, accepted.id)
        self.adapters.bookkeeping.mark_once(f"call_closed:{DEADLINE.isoformat()}", T0)
        self.adapters.bookkeeping.mark_once("on_record:x", T0, accepted.id)

    def poster_in_s3(self, at: datetime) -> tuple[str, str]:
        """A poster stored in a final slot the service issued, whose S3 event was lost."""
        prefix = self.settings.upload_prefix
        slot = self.adapters.finals.issue_final(
            "poster0001", "poster", lambda n: final_key(prefix, "poster0001", "poster", n), T0, FINAL_DEADLINE
        )
        stored = self.bucket.put(slot.key, b"%PDF-poster", at)
        return slot.key, str(stored.version_id)

    def recorded_poster(self, at: datetime) -> Version:
        """A poster whose event reached the validator, on record and not judged yet."""
        _, version_id = self.poster_in_s3(at)
        [slot] = self.adapters.finals.finals("poster0001")
        stored = slot.model_copy(
            update={"object_id": version_id, "version_id": version_id, "uploaded_at": at, "sequencer": "01"}
        )
        self.store.record_upload("poster0001", stored)
        return stored

    def keeper_at(self, at: datetime) -> dict[str, int]:
        self.clock.instant = at
        return build_keeper(self.adapters).run()

    def requeued_keys(self) -> list[str]:
        return [json.loads(body)["Records"][0]["s3"]["object"]["key"] for body in self.requeue.bodies]


def test_a_poster_whose_event_was_lost_is_checked_before_the_final_digest_goes_out() -> None:
    call = Call()
    key, version_id = call.poster_in_s3(FINAL_DEADLINE - timedelta(minutes=1))
    assert call.keeper_at(FINAL_DEADLINE + SETTLE)["finals_closed"] == 0
    assert call.requeued_keys() == [], "nothing is listed before the final deadline has settled"

    assert call.keeper_at(SETTLED)["finals_closed"] == 0, "the digest waits for the lost poster's verdict"
    assert call.requeued_keys() == [key]

    [slot] = call.adapters.finals.finals("poster0001")
    judged = slot.model_copy(
        update={
            "object_id": version_id,
            "version_id": version_id,
            "uploaded_at": FINAL_DEADLINE - timedelta(minutes=1),
            "validated_at": SETTLED,
            "verdict": Verdict(
                outcome="pass", pages=1, body_pages=1, problems=[], facts=Facts(measurer=MEASURER_VERSION)
            ),
        }
    )
    call.store.record_verdict("poster0001", judged)
    assert call.keeper_at(SETTLED + timedelta(minutes=1))["finals_closed"] == 1
    assert call.requeued_keys() == [key], "a recorded poster is not queued again"


def test_a_poster_stored_after_the_final_deadline_is_not_waited_for() -> None:
    call = Call()
    call.poster_in_s3(FINAL_DEADLINE + timedelta(seconds=1))
    assert call.keeper_at(SETTLED)["finals_closed"] == 1
    assert call.requeued_keys() == []


def test_reconcile_finds_a_final_upload_whose_event_was_lost_and_queues_its_check() -> None:
    call = Call()
    key, _ = call.poster_in_s3(FINAL_DEADLINE - timedelta(hours=1))
    dry = build_operations(call.adapters).reconcile(requeue=False)
    assert (dry.unrecorded, dry.requeued, call.requeued_keys()) == ([key], 0, [])
    report = build_operations(call.adapters).reconcile()
    assert (report.unrecorded, report.requeued, call.requeued_keys()) == ([key], 1, [key])


def test_a_poster_whose_check_was_killed_is_flagged_and_the_final_digest_does_not_wait_for_it() -> None:
    call = Call()
    poster = call.recorded_poster(FINAL_DEADLINE - timedelta(minutes=5))
    assert call.keeper_at(SETTLED)["finals_closed"] == 0, "the digest waits for a check still to come"
    [listed] = [o for o in call.bucket.list_uploads("uploads/") if o.key == poster.key]
    call.dead.held.append(s3_event_body("uploads", listed))
    assert call.keeper_at(SETTLED + timedelta(minutes=1))["finals_closed"] == 1
    [flagged] = call.adapters.finals.finals("poster0001")
    assert flagged.attention is not None and "dead-letter queue" in flagged.attention
