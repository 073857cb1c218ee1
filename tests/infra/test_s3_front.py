"""The S3 front refuses browser uploads exactly where S3 would, and forwards the rest to moto."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config

from cfp_tools.local.s3_front import (
    PostForm,
    S3Error,
    S3Front,
    UploadedFile,
    admit_upload,
    check_post,
    cors_headers,
    parse_multipart,
    signing_key,
)
from cfp_tools.template import CorsRule

ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "local-secret"
CREDENTIALS = {ACCESS_KEY: SECRET_KEY}
BUCKET = "cfp-local-uploads-123456789012"
KEY = "uploads/abcd1234/v1.pdf"
MAX_BYTES = 1000


def _signer(endpoint: str = "http://127.0.0.1:9", secret: str = SECRET_KEY, version: str = "s3v4") -> Any:
    """An S3 client that signs as the front's one credential does (or with another secret)."""
    return boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=secret,
        aws_session_token=None,
        config=Config(signature_version=version),
    )


def _presign(
    endpoint: str = "http://127.0.0.1:9", secret: str = SECRET_KEY, expires: int = 900, version: str = "s3v4"
) -> dict[str, Any]:
    post: dict[str, Any] = _signer(endpoint, secret, version).generate_presigned_post(
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
    return PostForm(list(fields.items()), UploadedFile(b"x" * size))


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
    form = parse_multipart(str(prepared.headers["Content-Type"]), prepared.body)
    assert form.file == UploadedFile(b"%PDF-1.4 body", "poster.pdf")
    assert dict(form.fields) == {**fields, "after": "ignored"}
    with pytest.raises(ValueError, match=r"^multipart body without a boundary$"):
        parse_multipart("multipart/form-data", b"")


def _admit(content_type: str, body: bytes) -> S3Error | tuple[str, bytes]:
    return admit_upload(BUCKET, content_type, body, CREDENTIALS, datetime.now(UTC))


def test_the_media_type_is_read_whatever_its_case() -> None:
    fields = {**_presign()["fields"], "key": VICTIM_KEY}
    content_type, body = _multipart(
        [*_field_parts(fields), ("file", b"%PDF-1.4", "p.pdf")], media_type="Multipart/Form-Data"
    )
    error = _admit(content_type, body)
    assert isinstance(error, S3Error) and (error.status, error.code) == (403, "AccessDenied")


def test_a_bucket_post_of_another_media_type_is_a_failed_precondition() -> None:
    error = _admit("application/x-www-form-urlencoded", b"key=uploads%2Fx&file=%25PDF")
    assert isinstance(error, S3Error) and (error.status, error.code) == (412, "PreconditionFailed")
    assert error.details == {"Condition": "Bucket POST must be of the enclosure-type multipart/form-data"}
    assert error.message == "At least one of the pre-conditions you specified did not hold"
    error = _admit("multipart/form-data", b"")
    assert isinstance(error, S3Error) and (error.status, error.code) == (400, "MalformedPOSTRequest")


def test_moto_receives_exactly_the_fields_and_the_file_that_were_checked() -> None:
    from werkzeug.formparser import parse_form_data
    from werkzeug.test import EnvironBuilder

    fields = _presign()["fields"]
    small, big = b"%PDF-1.4 small", b"x" * (MAX_BYTES + 1)
    parts = [*_field_parts(fields), ("file", small, None), ("file", big, "big.pdf"), ("key", b"x", None)]
    admitted = _admit(*_multipart(parts))
    assert not isinstance(admitted, S3Error)
    content_type, body = admitted
    environ = EnvironBuilder(method="POST", data=body, content_type=content_type).get_environ()
    _, form, files = parse_form_data(environ)
    assert list(form.items(multi=True)) == [(name.lower(), value) for name, value in fields.items()]
    assert [(name, stored.read()) for name, stored in files.items(multi=True)] == [("file", small)]


@pytest.fixture
def front() -> Iterator[S3Front]:
    from moto.server import ThreadedMotoServer

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    requests.post(f"http://{host}:{port}/moto-api/reset", timeout=10).raise_for_status()
    server = S3Front(
        0, moto.get_host_and_port(), CREDENTIALS, {BUCKET: (CorsRule(("*",), ("POST",), ("*",), (), 3000),)}
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()
        moto.stop()


def _client(front: S3Front) -> Any:
    """A client of the front, with the uploads bucket created."""
    client = _signer(front.url)
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.mark.slow
def test_the_front_stores_good_uploads_and_answers_bad_ones_like_s3(front: S3Front) -> None:
    client = _client(front)
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
    assert big.headers["Content-Type"] == "application/xml"
    assert big.headers["Content-Length"] == str(len(big.content))
    assert big.headers["Access-Control-Allow-Origin"] == "*"
    assert (front.thread.name, front.thread.daemon) == ("s3-front", True)


VICTIM_KEY = "uploads/victim00/v1.pdf"


def _multipart(
    parts: list[tuple[str, bytes, str | None]], media_type: str = "multipart/form-data"
) -> tuple[str, bytes]:
    """A multipart body written by hand, so a test can send what no browser would."""
    boundary = "cfp-test-boundary"
    body = b""
    for name, value, filename in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value + b"\r\n"
    return f"{media_type}; boundary={boundary}", body + f"--{boundary}--\r\n".encode()


def _field_parts(fields: dict[str, str]) -> list[tuple[str, bytes, str | None]]:
    return [(name, value.encode(), None) for name, value in fields.items()]


def test_a_field_given_under_names_that_differ_in_case_is_refused() -> None:
    fields = _presign()["fields"]
    renamed = [(name, VICTIM_KEY if name == "key" else value) for name, value in fields.items()]
    form = PostForm([("Key", KEY), *renamed], UploadedFile(b"%PDF-1.4"))
    error = check_post(BUCKET, form, CREDENTIALS, datetime.now(UTC))
    assert error is not None and (error.status, error.code) == (400, "InvalidArgument")
    assert "'key'" in error.message and "more than once" in error.message


def test_a_field_given_twice_is_refused() -> None:
    fields = _presign()["fields"]
    form = PostForm([*fields.items(), ("key", VICTIM_KEY)], UploadedFile(b"%PDF-1.4"))
    error = check_post(BUCKET, form, CREDENTIALS, datetime.now(UTC))
    assert error is not None and (error.status, error.code) == (400, "InvalidArgument")


def test_a_post_without_a_policy_is_refused() -> None:
    fields = {n: v for n, v in _presign()["fields"].items() if n != "policy"}
    error = _check(fields)
    assert error is not None and (error.status, error.code) == (403, "AccessDenied")


def test_a_post_without_a_file_is_refused() -> None:
    form = PostForm(list(_presign()["fields"].items()), None)
    error = check_post(BUCKET, form, CREDENTIALS, datetime.now(UTC))
    assert error is not None and (error.status, error.code) == (400, "InvalidArgument")
    assert "file" in error.message


def test_starts_with_conditions_hold_for_matching_values_only() -> None:
    client = _signer()
    fields = client.generate_presigned_post(
        Bucket=BUCKET,
        Key="uploads/abcd1234/${filename}",
        Fields={"Content-Type": "application/pdf"},
        Conditions=[["starts-with", "$Content-Type", "application/"]],
    )["fields"]
    assert _check(fields) is None
    assert _check({**fields, "key": "uploads/abcd1234/v2.pdf"}) is None
    assert _check({**fields, "Content-Type": "application/pdf, application/x-pdf"}) is None
    error = _check({**fields, "key": "uploads/abcd9999/v1.pdf"})
    assert error is not None and error.message == (
        'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "uploads/abcd1234/"]'
    )
    error = _check({**fields, "Content-Type": "application/pdf, text/html"})
    assert error is not None and "$Content-Type" in error.message


def test_a_policy_expires_at_its_expiration_instant() -> None:
    fields = _presign()["fields"]
    expiration = datetime.fromisoformat(json.loads(base64.b64decode(fields["policy"]))["expiration"])
    error = _check(fields, now=expiration)
    assert error is not None and error.message == "Invalid according to Policy: Policy expired."
    assert _check(fields, now=expiration - timedelta(seconds=1)) is None


@pytest.mark.slow
def test_a_second_field_in_another_case_cannot_redirect_the_upload(front: S3Front) -> None:
    client = _client(front)
    post = _presign(front.url)
    parts = [("Key", KEY.encode(), None), *_field_parts({**post["fields"], "key": VICTIM_KEY})]
    content_type, body = _multipart([*parts, ("file", b"%PDF-1.4 mine", "p.pdf")])
    answer = requests.post(post["url"], data=body, headers={"Content-Type": content_type}, timeout=10)
    assert answer.status_code == 400 and "<Code>InvalidArgument</Code>" in answer.text
    assert client.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


@pytest.mark.slow
def test_a_second_file_after_the_first_is_never_stored(front: S3Front) -> None:
    client = _client(front)
    post = _presign(front.url)
    small, big = b"%PDF-1.4 small", b"x" * (MAX_BYTES + 1)
    content_type, body = _multipart(
        [*_field_parts(post["fields"]), ("file", small, None), ("file", big, "big.pdf")]
    )
    answer = requests.post(post["url"], data=body, headers={"Content-Type": content_type}, timeout=10)
    assert answer.status_code == 204, answer.text
    assert client.get_object(Bucket=BUCKET, Key=KEY)["Body"].read() == small


@pytest.mark.slow
def test_the_media_type_is_matched_whatever_its_case(front: S3Front) -> None:
    client = _client(front)
    post = _presign(front.url)
    content_type, body = _multipart(
        [*_field_parts({**post["fields"], "key": VICTIM_KEY}), ("file", b"%PDF-1.4", "p.pdf")],
        media_type="Multipart/Form-Data",
    )
    answer = requests.post(post["url"], data=body, headers={"Content-Type": content_type}, timeout=10)
    assert answer.status_code == 403 and "Policy Condition failed" in answer.text
    assert client.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


@pytest.mark.slow
def test_a_bucket_post_that_is_not_a_form_is_refused(front: S3Front) -> None:
    client = _client(front)
    post = _presign(front.url)
    answer = requests.post(post["url"], data={**post["fields"], "file": "%PDF-1.4"}, timeout=10)
    assert answer.status_code == 412 and "<Code>PreconditionFailed</Code>" in answer.text
    assert "enclosure-type multipart/form-data" in answer.text
    assert client.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def _signed(
    conditions: list[Any], fields: dict[str, str] | None = None, expires: int = 900
) -> dict[str, str]:
    """Fields of a POST signed for these conditions (SigV4, the local secret)."""
    client = _signer()
    signed: dict[str, str] = client.generate_presigned_post(
        Bucket=BUCKET, Key=KEY, Fields=fields or {}, Conditions=conditions, ExpiresIn=expires
    )["fields"]
    return signed


def _with_policy(fields: dict[str, str], policy: Any) -> dict[str, str]:
    """The fields with another policy (a document, or the text sent as it), signed with the local secret."""
    encoded = policy if isinstance(policy, str) else base64.b64encode(json.dumps(policy).encode()).decode()
    _, date, region, service, _ = fields["x-amz-credential"].split("/")
    key = signing_key(SECRET_KEY, date, region, service)
    signature = hmac.new(key, encoded.encode(), hashlib.sha256).hexdigest()
    return {**fields, "policy": encoded, "x-amz-signature": signature}


def test_the_size_range_includes_both_of_its_ends() -> None:
    fields = _presign()["fields"]
    assert _check(fields, size=1) is None
    assert _check(fields, size=MAX_BYTES) is None
    error = _check(fields, size=0)
    assert error is not None and error.details == {"ProposedSize": "0", "MinSizeAllowed": "1"}
    assert error.message == "Your proposed upload is smaller than the minimum allowed size"
    error = _check(fields, size=MAX_BYTES + 1)
    assert error is not None
    assert error.message == "Your proposed upload exceeds the maximum allowed size"


def test_a_post_without_a_key_or_a_signature_names_the_missing_field() -> None:
    fields = _presign()["fields"]
    error = _check({n: v for n, v in fields.items() if n != "key"})
    assert error is not None and (error.status, error.code) == (400, "InvalidArgument")
    assert error.message == (
        "Bucket POST must contain a field named 'key'.  "
        "If it is specified, please check the order of the fields."
    )
    for missing in ("x-amz-signature", "x-amz-algorithm"):
        error = _check({n: v for n, v in fields.items() if n != missing})
        assert error is not None and (error.status, error.code) == (400, "InvalidArgument")
        assert error.message == (
            "Bucket POST must contain a field named 'x-amz-signature'.  "
            "If it is specified, please check the order of the fields."
        )
    error = _check({**fields, "x-amz-credential": "AKIA/20170820/us-east-1/s3"})
    assert error is not None and (error.status, error.code) == (400, "InvalidArgument")
    assert error.message == "Invalid credential: AKIA/20170820/us-east-1/s3"
    error = _check({**fields, "x-amz-credential": fields["x-amz-credential"].replace("aws4_request", "aws4")})
    assert error is not None and error.message.startswith("Invalid credential: ")


def test_signatures_are_read_whatever_their_case_and_unknown_keys_named() -> None:
    fields = _presign()["fields"]
    assert _check({**fields, "x-amz-signature": fields["x-amz-signature"].upper()}) is None
    error = _check(
        {**fields, "x-amz-credential": fields["x-amz-credential"].replace(ACCESS_KEY, "AKIAOTHER")}
    )
    assert error is not None and (error.status, error.code) == (403, "InvalidAccessKeyId")
    assert error.message == "The AWS Access Key Id you provided does not exist in our records."
    assert error.details == {"AWSAccessKeyId": "AKIAOTHER"}
    legacy = _presign(version="s3")["fields"]
    error = _check({**legacy, "AWSAccessKeyId": "AKIAOTHER"})
    assert error is not None and error.code == "InvalidAccessKeyId"
    assert error.details == {"AWSAccessKeyId": "AKIAOTHER"}
    error = _check({**fields, "x-amz-signature": "0" * 64})
    assert error is not None and (error.status, error.code) == (403, "SignatureDoesNotMatch")
    assert error.message == (
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method."
    )


def test_a_policy_that_is_not_a_document_is_invalid() -> None:
    fields = _presign()["fields"]
    policies: tuple[object, ...] = (
        {"conditions": []},
        {"expiration": "tomorrow"},
        {"expiration": "2099-01-01T00:00:00", "conditions": []},
        ["not", "a", "document"],
    )
    for policy in policies:
        error = _check(_with_policy(fields, policy))
        assert error is not None and (error.status, error.code) == (400, "InvalidPolicyDocument")
        assert error.message == "Invalid Policy: Invalid JSON."
    # Base64 with a character outside its alphabet: S3 refuses it, a lenient decoder would skip it.
    valid = _with_policy(fields, json.loads(base64.b64decode(fields["policy"])))["policy"]
    for text in ("not base64!", base64.b64encode(b"{not json").decode(), f"{valid[:8]}*{valid[8:]}"):
        error = _check(_with_policy(fields, text))
        assert error is not None and error.code == "InvalidPolicyDocument"


def test_conditions_s3_cannot_read_are_refused() -> None:
    fields = _presign()["fields"]
    later = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for condition, detail in (
        (["eq", "$key"], 'Invalid Policy: Invalid condition ["eq", "$key"]'),
        ("key", 'Invalid Policy: Invalid condition "key"'),
        (["matches", "$key", KEY], "Invalid Policy: Invalid condition operator matches"),
    ):
        error = _check(_with_policy(fields, {"expiration": later, "conditions": [condition]}))
        assert error is not None and (error.status, error.code) == (403, "AccessDenied")
        assert error.message == f"Invalid according to Policy: {detail}"


def test_exact_conditions_read_field_names_whatever_their_case() -> None:
    fields = _signed([])
    policy = json.loads(base64.b64decode(fields["policy"]))
    signed_for = [c for c in policy["conditions"] if not (isinstance(c, dict) and {"bucket", "key"} & set(c))]
    policy["conditions"] = [
        *signed_for,
        {"Bucket": BUCKET},
        {"KEY": KEY},
        ["EQ", "$Bucket", BUCKET],
        ["Starts-With", "$Key", ""],
    ]
    signed = _with_policy(fields, policy)
    assert _check(signed) is None
    error = _check(signed, bucket="other")
    assert error is not None
    assert (
        error.message
        == f'Invalid according to Policy: Policy Condition failed: ["eq", "$Bucket", "{BUCKET}"]'
    )
    error = _check({**signed, "key": "uploads/other.pdf"})
    assert error is not None
    assert error.message == f'Invalid according to Policy: Policy Condition failed: ["eq", "$KEY", "{KEY}"]'


def test_starts_with_needs_the_field_and_splits_only_the_content_type() -> None:
    fields = _signed(
        [["starts-with", "$Content-Type", "application/"], ["starts-with", "$x-amz-meta-tag", "a"]],
        {"Content-Type": "application/pdf", "x-amz-meta-tag": "a,b"},
    )
    assert _check(fields) is None
    error = _check({n: v for n, v in fields.items() if n != "x-amz-meta-tag"})
    assert error is not None
    assert error.message == (
        'Invalid according to Policy: Policy Condition failed: ["starts-with", "$x-amz-meta-tag", "a"]'
    )
    assert _check({**fields, "x-amz-meta-tag": "b,a"}) is not None
    assert _check({**fields, "Content-Type": " application/pdf ,application/x-pdf"}) is None


def test_only_unsigned_and_ignored_fields_may_go_uncovered() -> None:
    fields = _presign()["fields"]
    extra = {"x-ignore-a": "1", "X-Ignore-B": "2", "file": "x", "x-amz-meta-a": "1", "Tagging": "t"}
    error = _check({**fields, **extra})
    assert error is not None
    assert error.message == "Invalid according to Policy: Extra input fields: x-amz-meta-a, Tagging"


def test_a_field_repeated_in_several_cases_is_named_with_each_spelling() -> None:
    fields = _presign()["fields"]
    form = PostForm([*fields.items(), ("KEY", KEY), ("Policy", "p")], UploadedFile(b"%PDF"))
    error = check_post(BUCKET, form, CREDENTIALS, datetime.now(UTC))
    assert error is not None and error.message == (
        "POST form fields must each appear once; given more than once: "
        "'key' and 'KEY', 'policy' and 'Policy'."
    )


def test_a_missing_file_and_a_missing_policy_are_answered_as_s3_does() -> None:
    fields = _presign()["fields"]
    error = check_post(BUCKET, PostForm(list(fields.items()), None), CREDENTIALS, datetime.now(UTC))
    assert error == S3Error(400, "InvalidArgument", "POST requires exactly one file upload per request.")
    error = _check({n: v for n, v in fields.items() if n != "policy"})
    assert error == S3Error(403, "AccessDenied", "Access Denied")


def test_error_documents_are_s3s_xml_with_the_text_escaped() -> None:
    error = S3Error(400, "EntityTooLarge", "a < b & c", {"ProposedSize": "<5>"})
    document = error.xml().decode()
    head, _, rest = document.partition("\n")
    assert head == '<?xml version="1.0" encoding="UTF-8"?>'
    prefix = (
        "<Error><Code>EntityTooLarge</Code><Message>a &lt; b &amp; c</Message>"
        "<ProposedSize>&lt;5&gt;</ProposedSize>"
    )
    assert rest.startswith(prefix + "<RequestId>")
    request_id = rest[len(prefix) + len("<RequestId>") :].partition("</RequestId>")[0]
    assert len(request_id) == 16 and request_id == request_id.upper()
    host_id = rest.partition("<HostId>")[2].partition("</HostId>")[0]
    assert len(base64.b64decode(host_id, validate=True)) == 16
    assert rest.endswith("</HostId></Error>")
    two = S3Error(400, "EntityTooSmall", "m", {"ProposedSize": "0", "MinSizeAllowed": "1"}).xml().decode()
    assert "<ProposedSize>0</ProposedSize><MinSizeAllowed>1</MinSizeAllowed><RequestId>" in two


def test_the_form_given_to_moto_has_lower_case_names_and_a_quoted_filename() -> None:
    form = PostForm(
        [("Key", "k"), ("Content-Type", "application/pdf")], UploadedFile(b"data", 'a"b\r\nc.pdf')
    )
    content_type, body = form.encode()
    boundary = content_type.removeprefix("multipart/form-data; boundary=")
    assert len(boundary) == 32
    assert body.decode() == (
        f'--{boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\nk\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="content-type"\r\n\r\napplication/pdf\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a%22b%0D%0Ac.pdf"\r\n\r\n'
        f"data\r\n--{boundary}--\r\n"
    )
    reread = parse_multipart(content_type, body)
    assert reread == PostForm(
        [("key", "k"), ("content-type", "application/pdf")], UploadedFile(b"data", "a%22b%0D%0Ac.pdf")
    )
    assert PostForm([("key", "k")], None).encode()[1].count(b"Content-Disposition") == 1


def test_multipart_parts_without_a_name_are_skipped_and_broken_ones_refused() -> None:
    content_type = "multipart/form-data; boundary=xyz"
    body = (
        b"--xyz\r\nContent-Disposition: form-data\r\n\r\nnameless\r\n"
        b'--xyz\r\nContent-Disposition: form-data; name="key"\r\n\r\nk\r\n'
        b'--xyz\r\nContent-Disposition: form-data; name="FILE"\r\n\r\n%PDF\r\n--xyz--\r\n'
    )
    assert parse_multipart(content_type, body) == PostForm([("key", "k")], UploadedFile(b"%PDF", ""))
    assert parse_multipart(
        content_type, b'--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--xyz--'
    ) == (PostForm([("a", "1")], None))
    with pytest.raises(ValueError, match=r"^multipart part without a blank line after its headers$"):
        parse_multipart(content_type, b'--xyz\r\nContent-Disposition: form-data; name="key"\r\nk\r\n--xyz--')
    with pytest.raises(ValueError, match=r"^multipart body without a boundary$"):
        parse_multipart("multipart/form-data; boundary=", b"")
    error = _admit(content_type, b"--xyz\r\nbroken")
    assert isinstance(error, S3Error) and error.message == (
        "The body of your POST request is not well-formed multipart/form-data."
    )


def test_cors_headers_follow_the_first_rule_that_allows_the_method_and_origin() -> None:
    rules = (
        CorsRule(("https://a.example",), ("GET",), (), (), None),
        CorsRule(
            ("https://a.example", "https://b.example"), ("PUT", "POST"), ("*",), ("ETag", "x-amz-id"), 600
        ),
        CorsRule(("*",), ("POST",), (), (), None),
    )
    vary = ("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method")
    assert cors_headers(rules, None, "POST") == []
    assert cors_headers(rules, "https://b.example", "POST") == [
        ("Access-Control-Allow-Origin", "https://b.example"),
        ("Access-Control-Allow-Methods", "PUT, POST"),
        ("Access-Control-Expose-Headers", "ETag, x-amz-id"),
        ("Access-Control-Max-Age", "600"),
        vary,
    ]
    assert cors_headers(rules, "https://c.example", "POST") == [
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Allow-Methods", "POST"),
        vary,
    ]
    assert cors_headers(rules, "https://c.example", "DELETE") == []


def test_a_policy_without_conditions_covers_no_field() -> None:
    later = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    error = _check(_with_policy(_presign()["fields"], {"expiration": later}))
    assert error is not None and error.message.startswith(
        "Invalid according to Policy: Extra input fields: Content-Type, key, x-amz-algorithm"
    )


def test_the_size_range_covers_no_field_named_after_its_bounds() -> None:
    fields = _signed([["content-length-range", 1, MAX_BYTES]])
    error = _check({**fields, "1": "x"})
    assert error is not None and error.message == "Invalid according to Policy: Extra input fields: 1"


def test_a_form_with_both_signatures_is_checked_by_the_newer_one() -> None:
    fields = _presign()["fields"]
    assert _check({**fields, "signature": "not a version 2 signature"}) is None
    legacy = {n: v for n, v in _presign(version="s3")["fields"].items() if n != "AWSAccessKeyId"}
    error = _check(legacy)
    assert error is not None and (error.code, error.details) == ("InvalidAccessKeyId", {"AWSAccessKeyId": ""})
    error = _check({n: v for n, v in fields.items() if n != "x-amz-credential"})
    assert error is not None and error.message == "Invalid credential: "


def test_multipart_text_is_read_as_utf_8_with_bad_bytes_replaced() -> None:
    content_type = "multipart/form-data; boundary=xyz"
    body = (
        b'--xyz\r\nContent-Disposition: form-data; name="note"\r\n\r\n'
        b"caf\xc3\xa9 \xff\r\n\r\nsecond paragraph\r\n"
        b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="c:\xff.pdf"\r\n\r\n'
        b"%PDF\r\n\r\nbody\r\n--xyz--\r\n"
    )
    form = parse_multipart(content_type, body)
    assert form == PostForm(
        [("note", "caf\u00e9 \ufffd\r\n\r\nsecond paragraph")],
        UploadedFile(b"%PDF\r\n\r\nbody", "c:\ufffd.pdf"),
    )


def test_field_names_are_grouped_as_they_are_looked_up() -> None:
    # "ß" and "ss" are different names in lower case (how S3 and the front read them), the same in upper.
    assert PostForm([("ss", "1"), ("\u00df", "2")], None).repeated() == []


def test_a_boundary_is_never_found_in_what_it_separates(monkeypatch: pytest.MonkeyPatch) -> None:
    import uuid

    taken, free = uuid.UUID(int=1), uuid.UUID(int=2)
    drawn = iter([taken, free])
    monkeypatch.setattr("cfp_tools.local.s3_front.uuid.uuid4", lambda: next(drawn))
    content_type, body = PostForm([("key", taken.hex)], None).encode()
    assert content_type == f"multipart/form-data; boundary={free.hex}"
    assert parse_multipart(content_type, body) == PostForm([("key", taken.hex)], None)


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ["chunked", "Chunked"])
def test_a_chunked_upload_is_read_whole_and_checked(front: S3Front, encoding: str) -> None:
    client = _client(front)
    post = _presign(front.url)
    pdf = b"%PDF-1.4 " + b"y" * 300
    content_type, body = _multipart([*_field_parts(post["fields"]), ("file", pdf, "p.pdf")])
    # Chunks of 0x80 bytes, one with an extension, then the last chunk and a trailer, as HTTP/1.1 allows.
    chunks = [body[i : i + 128] for i in range(0, len(body), 128)]
    wire = b"".join(
        f"{len(chunk):x}{';name=value' if n == 0 else ''}\r\n".encode() + chunk + b"\r\n"
        for n, chunk in enumerate(chunks)
    )
    wire += b"0\r\nX-Trailer: 1\r\nX-Other: 2\r\n\r\n"
    host, port = front.server_address[:2]
    connection = http.client.HTTPConnection(str(host), int(port), timeout=10)
    try:
        connection.putrequest("POST", f"/{BUCKET}")
        connection.putheader("Content-Type", content_type)
        connection.putheader("Transfer-Encoding", encoding)
        connection.endheaders()
        connection.send(wire)
        answer = connection.getresponse()
        assert answer.status == 204, answer.read()
        answer.read()
        # The whole body and trailer were read: the next request on the connection is read as a request
        # (moto refuses it unsigned), not as the trailer's rest (which would be a malformed request, 400).
        connection.request("GET", f"/{BUCKET}/{KEY}")
        again = connection.getresponse()
        again.read()
        assert again.status == 403
    finally:
        connection.close()
    assert client.get_object(Bucket=BUCKET, Key=KEY)["Body"].read() == pdf


@dataclass
class Seen:
    """A request as the backend received it."""

    command: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes


class _Backend(BaseHTTPRequestHandler):
    """Stands in for moto: records each request and answers 201 with headers of its own."""

    protocol_version = "HTTP/1.1"
    seen: list[Seen]

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.seen.append(Seen(self.command, self.path, list(self.headers.items()), self.rfile.read(length)))
        payload = b"" if self.command == "HEAD" else b"stored"
        self.send_response(201, "Created Here")
        self.send_header("Server", "backend")
        self.send_header("Date", "Mon, 01 Jan 2001 00:00:00 GMT")
        self.send_header("Connection", "close")
        self.send_header("X-Amz-Request-Id", "R1")
        self.send_header("Content-Length", "12345" if self.command == "HEAD" else str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def proxied() -> Iterator[tuple[S3Front, list[Seen]]]:
    """A front before a backend that records what reaches it."""
    seen: list[Seen] = []
    backend = ThreadingHTTPServer(("127.0.0.1", 0), type("Backend", (_Backend,), {"seen": seen}))
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    server = S3Front(0, ("127.0.0.1", backend.server_address[1]), CREDENTIALS, {})
    server.thread.start()
    try:
        yield server, seen
    finally:
        server.shutdown()
        server.server_close()
        backend.shutdown()
        backend.server_close()


def _names(headers: list[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in headers if key.lower() == name]


@pytest.mark.slow
def test_the_front_forwards_requests_and_answers_as_a_proxy_should(
    proxied: tuple[S3Front, list[Seen]],
) -> None:
    front, seen = proxied
    session = requests.Session()
    got = session.get(
        f"{front.url}/{BUCKET}/{KEY}?x=1",
        headers={"Content-Type": "text/plain", "X-Custom": "kept"},
        timeout=10,
    )
    assert (got.status_code, got.reason, got.content) == (201, "Created Here", b"stored")
    assert "backend" not in _names(list(got.raw.headers.items()), "server")
    assert "Mon, 01 Jan 2001 00:00:00 GMT" not in _names(list(got.raw.headers.items()), "date")
    assert _names(list(got.raw.headers.items()), "connection") != ["close"]
    assert got.headers["X-Amz-Request-Id"] == "R1" and got.headers["Content-Length"] == "6"
    head = session.head(f"{front.url}/{BUCKET}/{KEY}", timeout=10)
    assert (head.status_code, head.headers["Content-Length"]) == (201, "12345")
    session.put(f"{front.url}/{BUCKET}/empty", data=b"", timeout=10)
    session.delete(f"{front.url}/{BUCKET}/{KEY}", timeout=10)
    # A POST to an object or with a query is no browser upload: it goes to the backend unchecked.
    session.post(
        f"{front.url}/{BUCKET}/{KEY}?uploads", data=b"x", headers={"Content-Type": "text/plain"}, timeout=10
    )
    session.post(f"{front.url}/{BUCKET}/{KEY}", data=b"y", headers={"Content-Type": "text/plain"}, timeout=10)
    get, _, put, delete, post, to_object = seen
    assert (get.command, get.path) == ("GET", f"/{BUCKET}/{KEY}?x=1")
    assert _names(get.headers, "content-type") == ["text/plain"] and _names(get.headers, "x-custom") == [
        "kept"
    ]
    assert _names(get.headers, "connection") == [] and _names(get.headers, "content-length") == []
    assert (put.command, _names(put.headers, "content-length")) == ("PUT", ["0"])
    assert (delete.command, _names(delete.headers, "content-length")) == ("DELETE", [])
    assert (post.command, post.path, post.body) == ("POST", f"/{BUCKET}/{KEY}?uploads", b"x")
    assert (to_object.path, to_object.body) == (f"/{BUCKET}/{KEY}", b"y")


@pytest.mark.slow
def test_an_upload_reaches_the_backend_as_the_form_that_was_checked(
    proxied: tuple[S3Front, list[Seen]],
) -> None:
    front, seen = proxied
    post = _presign(front.url)
    answer = requests.post(
        post["url"],
        data=post["fields"],
        files={"file": ("p.pdf", b"%PDF-1.4", "application/pdf")},
        timeout=10,
    )
    assert answer.status_code == 201
    [upload] = seen
    [content_type] = _names(upload.headers, "content-type")
    assert content_type.startswith("multipart/form-data; boundary=")
    assert _names(upload.headers, "content-length") == [str(len(upload.body))]
    assert parse_multipart(content_type, upload.body).file == UploadedFile(b"%PDF-1.4", "p.pdf")
    # No Content-Type at all: no form, so S3's precondition fails.
    # Header names in lower case, as some clients write them: the checked form's media type replaces the
    # client's, it is not sent beside it.
    content_type, body = _multipart([*_field_parts(post["fields"]), ("file", b"%PDF-1.4", "p.pdf")])
    connection = http.client.HTTPConnection("127.0.0.1", front.server_address[1], timeout=10)
    try:
        connection.putrequest("POST", f"/{BUCKET}", skip_accept_encoding=True)
        connection.putheader("content-type", content_type)
        connection.putheader("content-length", str(len(body)))
        connection.endheaders(body)
        assert connection.getresponse().status == 201
    finally:
        connection.close()
    [forwarded] = _names(seen[-1].headers, "content-type")
    assert forwarded != content_type and forwarded.startswith("multipart/form-data; boundary=")
    bare = requests.post(
        f"{front.url}/{BUCKET}", data=b"file=x", headers={"Origin": "https://a.example"}, timeout=10
    )
    assert "Content-Type" not in bare.request.headers
    assert bare.status_code == 412 and "<Code>PreconditionFailed</Code>" in bare.text
    # A bucket without CORS rules answers a browser without CORS headers.
    assert "Access-Control-Allow-Origin" not in bare.headers
    assert len(seen) == 2
