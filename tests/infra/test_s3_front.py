"""The S3 front refuses browser uploads exactly where S3 would, and forwards the rest to moto."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config

from cfp_tools.local.s3_front import PostForm, S3Error, S3Front, check_post, parse_multipart
from cfp_tools.template import CorsRule

ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "local-secret"
CREDENTIALS = {ACCESS_KEY: SECRET_KEY}
BUCKET = "cfp-local-uploads-123456789012"
KEY = "uploads/abcd1234/v1.pdf"
MAX_BYTES = 1000


def _presign(
    endpoint: str = "http://127.0.0.1:9", secret: str = SECRET_KEY, expires: int = 900, version: str = "s3v4"
) -> dict[str, Any]:
    client = boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=secret,
        aws_session_token=None,
        config=Config(signature_version=version),
    )
    post: dict[str, Any] = client.generate_presigned_post(
        Bucket=BUCKET,
        Key=KEY,
        Fields={"Content-Type": "application/pdf"},
        Conditions=[
            {"bucket": BUCKET},
            ["eq", "$key", KEY],
            ["content-length-range", 1, MAX_BYTES],
            ["eq", "$Content-Type", "application/pdf"],
        ],
        ExpiresIn=expires,
    )
    return post


def _form(fields: dict[str, str], size: int = 100) -> PostForm:
    return PostForm(list(fields.items()), size)


def _check(
    fields: dict[str, str], size: int = 100, now: datetime | None = None, bucket: str = BUCKET
) -> S3Error | None:
    return check_post(bucket, _form(fields, size), CREDENTIALS, now or datetime.now(UTC))


def test_a_good_upload_passes() -> None:
    assert _check(_presign()["fields"]) is None


def test_a_good_upload_signed_with_signature_version_2_passes() -> None:
    fields = _presign(version="s3")["fields"]
    assert "signature" in fields and "x-amz-signature" not in fields
    assert _check(fields) is None
    error = _check({**fields, "signature": "AAAA" + fields["signature"][4:]})
    assert error is not None and error.code == "SignatureDoesNotMatch"


def test_an_oversized_file_is_entity_too_large() -> None:
    error = _check(_presign()["fields"], size=MAX_BYTES + 1)
    assert error is not None and (error.status, error.code) == (400, "EntityTooLarge")
    assert error.details == {"ProposedSize": str(MAX_BYTES + 1), "MaxSizeAllowed": str(MAX_BYTES)}
    assert b"<Code>EntityTooLarge</Code>" in error.xml()


def test_an_empty_file_is_entity_too_small() -> None:
    error = _check(_presign()["fields"], size=0)
    assert error is not None and (error.status, error.code) == (400, "EntityTooSmall")


def test_another_key_breaks_the_policy() -> None:
    fields = {**_presign()["fields"], "key": "uploads/someone-else/v1.pdf"}
    error = _check(fields)
    assert error is not None and (error.status, error.code) == (403, "AccessDenied")
    assert error.message == f'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "{KEY}"]'


def test_another_content_type_breaks_the_policy() -> None:
    fields = {**_presign()["fields"], "Content-Type": "text/html"}
    error = _check(fields)
    assert error is not None and error.code == "AccessDenied"
    assert '["eq", "$Content-Type", "application/pdf"]' in error.message


def test_another_bucket_breaks_the_policy() -> None:
    error = _check(_presign()["fields"], bucket="other-bucket")
    assert error is not None and error.code == "AccessDenied" and "$bucket" in error.message


def test_an_expired_policy_is_refused() -> None:
    error = _check(_presign(expires=60)["fields"], now=datetime.now(UTC) + timedelta(seconds=61))
    assert error is not None and (error.status, error.code) == (403, "AccessDenied")
    assert error.message == "Invalid according to Policy: Policy expired."


def test_a_tampered_signature_is_refused() -> None:
    fields = _presign()["fields"]
    fields["x-amz-signature"] = ("0" if fields["x-amz-signature"][0] != "0" else "1") + fields[
        "x-amz-signature"
    ][1:]
    error = _check(fields)
    assert error is not None and (error.status, error.code) == (403, "SignatureDoesNotMatch")


def test_a_policy_signed_with_another_secret_is_refused() -> None:
    error = _check(_presign(secret="not-the-local-secret")["fields"])
    assert error is not None and error.code == "SignatureDoesNotMatch"


def test_a_policy_edited_after_signing_is_refused() -> None:
    fields = _presign()["fields"]
    policy = json.loads(base64.b64decode(fields["policy"]))
    policy["conditions"][2] = ["content-length-range", 1, 10**9]
    fields["policy"] = base64.b64encode(json.dumps(policy).encode()).decode()
    error = _check(fields, size=MAX_BYTES + 1)
    assert error is not None and error.code == "SignatureDoesNotMatch"


def test_fields_the_policy_does_not_cover_are_refused() -> None:
    fields = {**_presign()["fields"], "x-amz-meta-note": "hi", "x-ignore-tracking": "ok"}
    error = _check(fields)
    assert (
        error is not None
        and error.message == "Invalid according to Policy: Extra input fields: x-amz-meta-note"
    )


def test_an_unknown_access_key_is_refused() -> None:
    fields = {**_presign()["fields"]}
    fields["x-amz-credential"] = fields["x-amz-credential"].replace(ACCESS_KEY, "AKIAOTHER")
    error = _check(fields)
    assert error is not None and error.code == "InvalidAccessKeyId"


def test_multipart_bodies_are_parsed_up_to_the_file() -> None:
    fields = _presign()["fields"]
    prepared = requests.Request(
        "POST",
        "http://127.0.0.1:9/bucket",
        data={**fields, "after": "ignored"},
        files={"file": ("poster.pdf", b"%PDF-1.4 body", "application/pdf")},
    ).prepare()
    assert isinstance(prepared.body, bytes)
    form = parse_multipart(prepared.headers["Content-Type"], prepared.body)
    assert form.file_size == len(b"%PDF-1.4 body")
    assert dict(form.fields) == {**fields, "after": "ignored"}
    with pytest.raises(ValueError, match="boundary"):
        parse_multipart("multipart/form-data", b"")


@pytest.fixture
def front() -> Iterator[S3Front]:
    from moto.server import ThreadedMotoServer

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    server = S3Front(
        0, moto.get_host_and_port(), CREDENTIALS, {BUCKET: (CorsRule(("*",), ("POST",), ("*",), (), 3000),)}
    )
    server.thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        moto.stop()


@pytest.mark.slow
def test_the_front_stores_good_uploads_and_answers_bad_ones_like_s3(front: S3Front) -> None:
    client = boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url=front.url,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        aws_session_token=None,
    )
    client.create_bucket(Bucket=BUCKET)
    post = _presign(front.url)
    assert post["url"] == f"{front.url}/{BUCKET}"
    pdf = b"%PDF-1.4 " + b"x" * 100
    good = requests.post(
        post["url"], data=post["fields"], files={"file": ("p.pdf", pdf, "application/pdf")}, timeout=10
    )
    assert good.status_code == 204, good.text
    assert client.get_object(Bucket=BUCKET, Key=KEY)["Body"].read() == pdf
    assert client.head_object(Bucket=BUCKET, Key=KEY)["ContentLength"] == len(pdf)
    big = requests.post(
        post["url"],
        data=post["fields"],
        files={"file": ("p.pdf", b"x" * (MAX_BYTES + 1), "application/pdf")},
        headers={"Origin": "https://example.org"},
        timeout=10,
    )
    assert big.status_code == 400 and "<Code>EntityTooLarge</Code>" in big.text
    assert big.headers["Access-Control-Allow-Origin"] == "*"
