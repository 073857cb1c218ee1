"""A digest of 10,000 changes renders in well under a second and fits in one SES message."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.config import Config

from cfp.events import EventKind, NotificationEvent
from cfp.mail.render import digest_sections, digest_title
from cfp.uploads import UploadBucket
from tests.unit.test_mail import CALL, T0, failed_version, renderer, submission

# SES v2 refuses a message larger than 40 MB, after encoding.
SES_MAX_BYTES = 40 * 1024 * 1024
NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


def _s3(endpoint: str | None = None, token: str | None = None, style: str | None = None) -> object:
    addressing = {"addressing_style": style} if style else None
    config = Config(signature_version="s3v4", s3=addressing)  # type: ignore[arg-type]
    return boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret/+key",
        aws_session_token=token,
        config=config,
    )


@pytest.mark.parametrize(
    ("endpoint", "token", "style"),
    [
        (None, None, None),
        (None, "session/token+=", None),
        ("http://127.0.0.1:4566", None, None),
        (None, None, "path"),
    ],
)
def test_links_are_the_urls_botocore_signs(
    endpoint: str | None, token: str | None, style: str | None
) -> None:
    s3 = _s3(endpoint, token, style)
    key, version = "uploads/ab c+ü/v1.pdf", "3/L4kqtJl+cnD"
    with mock.patch("botocore.auth.get_current_datetime", return_value=NOW.replace(tzinfo=None)):
        expected = s3.generate_presigned_url(  # type: ignore[attr-defined]
            "get_object", Params={"Bucket": "cfp-uploads", "Key": key, "VersionId": version}, ExpiresIn=604800
        )
    with mock.patch("cfp.uploads.datetime") as clock:
        clock.now.return_value = NOW
        link = UploadBucket(s3, "cfp-uploads").download_link(key, version, 604800)  # type: ignore[arg-type]
    want, got = urlsplit(expected), urlsplit(link)
    assert (got.scheme, got.netloc, got.path) == (want.scheme, want.netloc, want.path)
    assert parse_qs(got.query) == parse_qs(want.query)


def test_a_digest_of_ten_thousand_changes_is_fast_and_fits_in_one_message() -> None:
    bucket = UploadBucket(_s3(), "cfp-uploads")  # type: ignore[arg-type]
    records = {}
    events = []
    for i in range(5000):
        record = submission(sub_id=f"sub{i:07d}", title=f"Poster {i}: a title of an ordinary length")
        records[record.id] = (record, [failed_version()])
        for kind, version in ((EventKind.SUBMITTED, None), (EventKind.VERDICT, 1)):
            events.append(
                NotificationEvent(
                    kind=kind, event_id=f"{kind}{i}", occurred_at=T0, submission_id=record.id, version=version
                )
            )
    started = time.perf_counter()
    sections = digest_sections(
        events, records, lambda upload: bucket.download_link(upload.key, "v", 7 * 24 * 3600)
    )
    mail = renderer.digest(
        digest_title(sections), sections, list(records.values()), CALL.deadline - timedelta(days=1)
    )
    raw = mail.to_mime("cfp@example.org", "cfp", T0)
    elapsed = time.perf_counter() - started
    assert sum(len(section.entries) for section in sections) == 10_000
    # The target is 1 s; the bound leaves room for a busy test machine.
    assert elapsed < 3, f"{elapsed:.2f} s"
    assert len(raw) < SES_MAX_BYTES
