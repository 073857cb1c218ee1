"""Organizer sessions: a signed cookie that names who and until when, and nothing else to trust."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cfp.errors import NotSignedIn
from cfp.sessions import (
    cookie_value,
    hash_secret,
    new_link_secret,
    new_session_id,
    read_session,
    sign_session,
    verify_session,
)

KEY = b"k" * 64
NOW = datetime(2017, 8, 20, 12, 0, tzinfo=UTC)


def test_a_session_speaks_for_its_organizer_until_it_expires() -> None:
    value = sign_session(KEY, "chair@example.org", NOW, timedelta(hours=12))
    organizer = verify_session(KEY, value, NOW + timedelta(hours=11, minutes=59))
    assert (organizer.email, organizer.expires_at) == ("chair@example.org", NOW + timedelta(hours=12))
    with pytest.raises(NotSignedIn, match="expired"):
        verify_session(KEY, value, NOW + timedelta(hours=12))


def test_edited_forged_or_missing_sessions_are_refused() -> None:
    value = sign_session(KEY, "chair@example.org", NOW)
    payload, _, signature = value.partition(".")
    other = sign_session(KEY, "mallory@example.org", NOW)
    refused = [
        None,
        "",
        "nodot",
        "a.b.c",
        f"{other.partition('.')[0]}.{signature}",
        f"{payload}.{other.partition('.')[2]}",
        sign_session(b"another key", "chair@example.org", NOW),
    ]
    for candidate in refused:
        with pytest.raises(NotSignedIn):
            verify_session(KEY, candidate, NOW)


def test_the_cookie_is_found_among_others_and_link_secrets_are_stored_hashed() -> None:
    assert cookie_value(["a=1", " cfp_organizer=v.s", "b=2"]) == "v.s"
    assert cookie_value(["a=1"]) is None
    secret = new_link_secret()
    assert len(secret) >= 43 and hash_secret(secret) != secret and len(hash_secret(secret)) == 64


def test_a_session_names_its_server_side_record_and_an_expired_one_can_still_be_closed() -> None:
    session_id = new_session_id()
    value = sign_session(KEY, "chair@example.org", NOW, timedelta(hours=12), session_id)
    assert verify_session(KEY, value, NOW).session_id == session_id
    later = NOW + timedelta(days=1)
    with pytest.raises(NotSignedIn):
        verify_session(KEY, value, later)
    assert read_session(KEY, value).session_id == session_id
    with pytest.raises(NotSignedIn):
        read_session(b"another key", value)
