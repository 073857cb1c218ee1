"""Digest links match what botocore signs; a 10,000-change digest fits in one SES message.

How fast it is built is the benchmark's to say (`cfp bench-digest`), not a test's: a busy machine is not a
defect.
"""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.config import Config
from botocore.credentials import Credentials

from cfp.uploads import UploadBucket
from cfp_tools import bench_digest

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


def test_links_are_signed_with_the_credentials_the_client_holds_now() -> None:
    s3 = _s3(None, "first-token", None)
    bucket = UploadBucket(s3, "cfp-uploads")  # type: ignore[arg-type]
    first = parse_qs(urlsplit(bucket.download_link("uploads/a/v1.pdf", None, 300)).query)
    s3._request_signer._credentials = Credentials("AKIDRENEWED", "renewed-secret", "renewed-token")  # type: ignore[attr-defined]
    renewed = parse_qs(urlsplit(bucket.download_link("uploads/a/v1.pdf", None, 300)).query)
    assert first["X-Amz-Security-Token"] == ["first-token"]
    assert renewed["X-Amz-Security-Token"] == ["renewed-token"]
    assert renewed["X-Amz-Credential"][0].startswith("AKIDRENEWED/")


def test_a_digest_of_ten_thousand_changes_fits_in_one_message() -> None:
    result = bench_digest.run(10_000)
    assert result.entries == 10_000
    assert result.size < bench_digest.SES_MAX_BYTES
