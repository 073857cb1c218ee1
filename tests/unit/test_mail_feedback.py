"""SES's bounces and complaints: parsed as SES sends them, recorded on the submissions they name, obeyed."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pydantic import ValidationError

from cfp.errors import PublishFailed
from cfp.mail_feedback import FeedbackKind, MailFeedback
from cfp.notifications import BatchOutcome
from cfp.ses_feedback import feedback_in
from cfp_tools.ses_events import bounce, complaint, sns_body
from tests.support.fakes import FakeSuppressions
from tests.support.use_cases import REQUEST, Outbox, World, notifier


@pytest.fixture
def world() -> World:
    return World()


def recorder(world: World, suppressions: FakeSuppressions, copy_all_authors: bool = False) -> MailFeedback:
    return MailFeedback(
        store=world.store,
        suppressions=suppressions,
        queue=world.queue,
        organizers=("chair@example.org",),
        copy_all_authors=copy_all_authors,
    )


def test_the_kinds_of_feedback_are_told_apart() -> None:
    [hard] = feedback_in(sns_body(bounce(["Ada@Example.org"])))
    [soft] = feedback_in(sns_body(bounce(["ada@example.org"], "Transient", "MailboxFull")))
    [unsure] = feedback_in(sns_body(bounce(["ada@example.org"], "Undetermined", "Undetermined")))
    [spam] = feedback_in(sns_body(complaint(["ada@example.org"])))
    assert (hard.kind, soft.kind, unsure.kind, spam.kind) == (
        FeedbackKind.HARD_BOUNCE,
        FeedbackKind.SOFT_BOUNCE,
        FeedbackKind.SOFT_BOUNCE,
        FeedbackKind.COMPLAINT,
    )
    assert [f.suppresses for f in (hard, soft, unsure, spam)] == [True, False, False, True]
    assert hard.describe() == (
        "ada@example.org: hard bounce (Permanent/General, smtp; 550 5.1.1 user unknown)"
        " on 2017-08-21 09:30 UTC; no more mail goes to it"
    )


def test_every_bounced_recipient_is_reported_and_other_events_are_ignored() -> None:
    assert [f.address for f in feedback_in(sns_body(bounce(["a@x.org", "b@x.org"])))] == [
        "a@x.org",
        "b@x.org",
    ]
    delivery = {"eventType": "Delivery", "mail": bounce(["a@x.org"])["mail"], "delivery": {}}
    assert feedback_in(sns_body(delivery)) == []


def test_a_body_that_is_no_sns_notification_is_refused() -> None:
    with pytest.raises(ValidationError):
        feedback_in('{"eventType": "Bounce"}')


def test_a_hard_bounce_is_recorded_on_the_submission_suppressed_and_digested(world: World) -> None:
    created = world.service.create(REQUEST)
    world.queue.events.clear()
    suppressions = FakeSuppressions()
    assert recorder(world, suppressions).record(feedback_in(sns_body(bounce(["ADA@example.org"])))) == 1
    [line] = world.store.get(created.id)[0].bounced
    assert line.startswith("ada@example.org: hard bounce")
    assert set(suppressions.reasons) == {"ada@example.org"}
    [event] = world.queue.events
    assert (event.kind, event.submission_id, event.detail["line"]) == ("mail_feedback", created.id, line)
    outcome, outbox = BatchOutcome(), Outbox()
    sender = notifier(world, outbox)
    sender.handle(event, outcome)
    sender.digest(outcome)
    [digest] = outbox.sent.values()
    assert "Bounced author addresses (1)" in digest.text and line in digest.text


def test_a_soft_bounce_is_recorded_but_suppresses_nothing(world: World) -> None:
    created = world.service.create(REQUEST)
    suppressions = FakeSuppressions()
    recorder(world, suppressions).record(feedback_in(sns_body(bounce(["ada@example.org"], "Transient"))))
    assert suppressions.reasons == {}
    assert "soft bounce" in world.store.get(created.id)[0].bounced[0]


def test_a_copied_co_author_is_named_only_when_authors_are_copied(world: World) -> None:
    created = world.service.create(
        REQUEST.model_copy(
            update={
                "authors": [
                    *REQUEST.authors,
                    REQUEST.authors[0].model_copy(update={"email": "bo@example.org"}),
                ]
            }
        )
    )
    report = feedback_in(sns_body(complaint(["bo@example.org"])))
    assert recorder(world, FakeSuppressions()).record(report) == 0
    assert recorder(world, FakeSuppressions(), copy_all_authors=True).record(report) == 1
    assert "complaint" in world.store.get(created.id)[0].bounced[0]


def test_no_author_mail_goes_to_a_suppressed_address_and_the_digest_says_so(world: World) -> None:
    world.service.create(REQUEST)
    suppressions = FakeSuppressions()
    suppressions.suppress("ada@example.org", "complaint", world.clock.now())
    outbox, outcome = Outbox(), BatchOutcome()
    sender = notifier(world, outbox)
    sender = replace(sender, suppressions=suppressions)
    for event in world.queue.events:
        sender.handle(event, outcome)
    assert outcome.suppressed and all(address == "ada@example.org" for _, address in outcome.suppressed)
    sender.digest(outcome)
    [digest] = outbox.sent.values()
    assert digest.to == ("chair@example.org",)
    assert "held back: it bounced for good or complained before" in digest.text


def test_an_organizer_address_is_recorded_and_counted_but_never_held(world: World) -> None:
    suppressions = FakeSuppressions()
    recorder(world, suppressions).record(feedback_in(sns_body(complaint(["Chair@example.org"]))))
    # Suppressed for author mail, should an organizer also be an author; organizer mail never reads the list.
    assert set(suppressions.reasons) == {"chair@example.org"}
    assert world.queue.events == []


def test_a_report_delivered_again_is_digested_once(world: World) -> None:
    created = world.service.create(REQUEST)
    world.queue.events.clear()
    report = feedback_in(sns_body(bounce(["ada@example.org"])))
    assert recorder(world, FakeSuppressions()).record(report) == 1
    assert recorder(world, FakeSuppressions()).record(report) == 0
    assert len(world.queue.events) == 1 and len(world.store.get(created.id)[0].bounced) == 1


def test_a_report_whose_digest_event_was_not_queued_is_recorded_when_delivered_again(world: World) -> None:
    created = world.service.create(REQUEST)
    world.queue.events.clear()
    report = feedback_in(sns_body(complaint(["ada@example.org"])))
    world.queue.down = True
    with pytest.raises(PublishFailed):
        recorder(world, FakeSuppressions()).record(report)
    assert world.store.get(created.id)[0].bounced == []
    world.queue.down = False
    assert recorder(world, FakeSuppressions()).record(report) == 1
