"""Notification events as the notifier reads them: ids that deduplicate deliveries, and their details.

Expected ids and fields are written out here, not built with ``cfp.events``, so a wrong id is caught."""

from __future__ import annotations

from datetime import UTC, datetime

from cfp import events
from tests.support.call import DEADLINE, DEADLINE_AT

AT = datetime(2017, 8, 20, 12, 0, tzinfo=UTC)


def _fields(event: events.NotificationEvent) -> dict[str, object]:
    return event.model_dump(mode="json")


def test_each_event_names_its_submission_and_upload() -> None:
    assert _fields(events.submitted("s1", AT, "sealed")) == {
        "kind": "submitted",
        "event_id": "submitted:s1",
        "occurred_at": "2017-08-20T12:00:00Z",
        "submission_id": "s1",
        "version": None,
        "object_id": None,
        "detail": {"sealed_token": "sealed"},
    }
    assert _fields(events.withdrawn("s1", AT))["event_id"] == "withdrawn:s1"
    assert _fields(events.verdict("s1", 2, "obj", AT, late=False)) == {
        "kind": "verdict",
        "event_id": "verdict:s1:v2:obj",
        "occurred_at": "2017-08-20T12:00:00Z",
        "submission_id": "s1",
        "version": 2,
        "object_id": "obj",
        "detail": {},
    }
    assert _fields(events.verdict("s1", 2, "obj", AT, late=True))["event_id"] == "late_upload:s1:v2:obj"
    assert _fields(events.attention("s1", 3, "obj", "crashed", AT)) == {
        "kind": "attention",
        "event_id": "attention:s1:v3:obj",
        "occurred_at": "2017-08-20T12:00:00Z",
        "submission_id": "s1",
        "version": 3,
        "object_id": "obj",
        "detail": {"reason": "crashed"},
    }
    reminder = _fields(events.reminder("s1", 24, AT))
    assert (reminder["event_id"], reminder["detail"]) == ("reminder:s1:24h", {"hours": 24})


def test_a_corrected_confirmation_is_a_new_event_saying_so() -> None:
    first = _fields(events.on_record("s1", AT))
    assert (first["kind"], first["event_id"], first["detail"]) == ("on_record", "on_record:s1", {})
    corrected = _fields(events.on_record("s1", AT, correction="ab12"))
    assert (corrected["event_id"], corrected["detail"]) == ("on_record:s1:ab12", {"corrected": True})


def test_the_call_closing_names_the_deadline_it_closes() -> None:
    deadline = DEADLINE_AT
    closed = _fields(events.call_closed(deadline, AT))
    assert closed["kind"] == "call_closed" and closed["submission_id"] is None
    assert closed["event_id"] == f"call_closed:{DEADLINE}"
    assert closed["detail"] == {"deadline": DEADLINE}
