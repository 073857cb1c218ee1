"""The sample events in events/ (for ``sam local invoke``) are ones the handlers accept."""

from __future__ import annotations

import json

from tests.aws import ROOT, FakeContext, load_function
from tests.handlers.conftest import World


def sample(name: str) -> dict[str, object]:
    return json.loads((ROOT / "events" / f"{name}.json").read_text())


def test_api_sample_creates_a_submission(world: World) -> None:
    response = load_function("api").lambda_handler(sample("api-create-submission"), FakeContext())
    assert response["statusCode"] == 201


def test_queue_samples_are_processed_without_failures(world: World) -> None:
    assert load_function("validator").lambda_handler(sample("validator-s3-upload"), FakeContext()) == {
        "batchItemFailures": []
    }
    assert load_function("notifier").lambda_handler(sample("notifier-events"), FakeContext()) == {
        "batchItemFailures": []
    }
    # A job the table no longer holds (its record expired) is dropped, not retried.
    assert load_function("archiver").lambda_handler(sample("archiver-job"), FakeContext()) == {
        "batchItemFailures": []
    }


def test_schedule_sample_runs_the_keeper(world: World) -> None:
    assert load_function("deadline").lambda_handler(sample("deadline-schedule"), FakeContext()) == {
        "reminders": 0,
        "confirmations": 0,
        "call_closed": 0,
    }
