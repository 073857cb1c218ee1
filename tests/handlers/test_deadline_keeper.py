"""The deadline keeper on its schedule: reminders once per threshold, the close once, robust to firings."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from cfp.deadline import SETTLE
from tests.support.aws import FakeContext, http_event, load_function
from tests.support.call import DEADLINE_AT
from tests.support.world import World

api = load_function("api")
keeper = load_function("deadline")


def create(world: World) -> dict[str, Any]:
    body = {"title": "T", "authors": [{"name": "A"}], "contact_email": "a@example.org", "abstract": "x"}
    response = api.lambda_handler(http_event("POST", "/submissions", body), FakeContext())
    world.notifications()
    result: dict[str, Any] = json.loads(response["body"])
    return result


def fire(world: World, at: datetime) -> dict[str, int]:
    world.clock.instant = at
    result: dict[str, int] = keeper.lambda_handler({"source": "aws.scheduler", "detail": {}}, FakeContext())
    return result


def test_nothing_is_due_a_week_before(world: World) -> None:
    create(world)
    assert fire(world, DEADLINE_AT - timedelta(days=7)) == {
        "reminders": 0,
        "confirmations": 0,
        "call_closed": 0,
        "final_reminders": 0,
        "finals_closed": 0,
    }


def test_each_threshold_once_even_when_fired_twice(world: World) -> None:
    created = create(world)
    assert fire(world, DEADLINE_AT - timedelta(hours=72))["reminders"] == 1
    assert fire(world, DEADLINE_AT - timedelta(hours=71, minutes=45))["reminders"] == 0
    notes = world.notifications()
    assert [(n["kind"], n["submission_id"], n["detail"]["hours"]) for n in notes] == [
        ("reminder", created["id"], 72)
    ]
    assert fire(world, DEADLINE_AT - timedelta(hours=24))["reminders"] == 1


def test_missed_firings_send_only_the_nearest_threshold(world: World) -> None:
    create(world)
    assert fire(world, DEADLINE_AT - timedelta(hours=2))["reminders"] == 1
    assert [n["detail"]["hours"] for n in world.notifications()] == [3]
    assert fire(world, DEADLINE_AT - timedelta(hours=1))["reminders"] == 0


def test_the_call_closes_once_after_it_has_settled(world: World) -> None:
    created = create(world)
    assert fire(world, DEADLINE_AT + timedelta(seconds=1)) == {
        "reminders": 0,
        "confirmations": 0,
        "call_closed": 0,
        "final_reminders": 0,
        "finals_closed": 0,
    }
    assert fire(world, DEADLINE_AT + SETTLE + timedelta(seconds=1)) == {
        "reminders": 0,
        "confirmations": 1,
        "call_closed": 1,
        "final_reminders": 0,
        "finals_closed": 0,
    }
    assert fire(world, DEADLINE_AT + SETTLE + timedelta(minutes=15))["call_closed"] == 0
    notes = world.notifications()
    assert [(n["kind"], n["submission_id"]) for n in notes] == [
        ("on_record", created["id"]),
        ("call_closed", None),
    ]


def test_replay_at_an_instant_from_the_event(world: World) -> None:
    create(world)
    result = keeper.lambda_handler({"at": "2017-08-31T21:00:00-12:00"}, FakeContext())
    assert result["reminders"] == 1
    assert [n["detail"]["hours"] for n in world.notifications()] == [3]


def test_a_withdrawn_submission_gets_no_closing_confirmation(world: World) -> None:
    kept = create(world)
    gone = create(world)
    withdraw = http_event("DELETE", f"/submissions/{gone['id']}", token=gone["token"])
    assert api.lambda_handler(withdraw, FakeContext())["statusCode"] == 200
    world.notifications()
    assert fire(world, DEADLINE_AT + SETTLE + timedelta(seconds=1))["confirmations"] == 1
    confirmations = [n["submission_id"] for n in world.notifications() if n["kind"] == "on_record"]
    assert confirmations == [kept["id"]]
