"""Settings parsed from the environment the template sets; a bad value fails at start with its name."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cfp.settings import Settings

BASE = {
    "CONFERENCE_NAME": "W",
    "DEADLINE": "2017-08-31 AoE",
    "SENDER_EMAIL": "cfp@example.org",
    "TABLE_NAME": "t",
    "BUCKET_NAME": "b",
    "NOTIFICATION_QUEUE_URL": "https://sqs.example/q",
    "RECEIPT_TOKEN_KEY_ID": "key-1",
}


def test_lists_and_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        **BASE,
        "ORGANIZER_EMAILS": " a@x.org, b@x.org ,",
        "REMINDER_HOURS": "3,72,24",
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.organizer_emails == ("a@x.org", "b@x.org")
    assert settings.reminder_hours == (72, 24, 3)
    assert settings.deadline.isoformat() == "2017-08-31T23:59:59-12:00"
    assert settings.max_upload_bytes == 10 * 1024 * 1024


def test_missing_and_bad_values_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**BASE, "DEADLINE": "2017-08-31T23:59:59"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TABLE_NAME")
    with pytest.raises(ValidationError) as error:
        Settings()
    text = str(error.value)
    assert "table_name" in text and "deadline" in text and "no offset" in text
