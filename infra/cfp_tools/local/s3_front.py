"""An S3 front that checks browser POST uploads against their signed policy before moto stores them.

Moto accepts any presigned POST; real S3 refuses one whose policy expired, whose fields break a
condition, whose file is too large or too small, or whose signature is wrong. The front applies those
checks and answers with S3's error documents, and forwards every other request to moto unchanged, so an
upload that would fail on AWS fails locally too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import http.client
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from cfp_tools.local.http_server import LocalHandler, LocalServer
from cfp_tools.local.usage import Meter
from cfp_tools.template import CorsRule

UNSIGNED_FIELDS = {"file", "policy", "x-amz-signature", "signature", "awsaccesskeyid"}
_MISSING_FIELD = (
    "Bucket POST must contain a field named '{}'.  If it is specified, please check the order of the fields."
)
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-connection",
}


@dataclass(frozen=True)
class S3Error:
    """An error document as S3 returns it."""

    status: int
    code: str
    message: str
    details: dict[str, str] = field(default_factory=dict)

    def xml(self) -> bytes:
        extra = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in self.details.items())
        request_id = uuid.uuid4().hex[:16].upper()
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{self.code}</Code><Message>{escape(self.message)}</Message>{extra}"
            f"<RequestId>{request_id}</RequestId><HostId>{base64.b64encode(uuid.uuid4().bytes).decode()}</HostId>"
            "</Error>"
        ).encode()


@dataclass(frozen=True)
class UploadedFile:
    """The ``file`` field of a POST upload: the bytes S3 stores and the name ``${filename}`` stands for."""

    content: bytes
    filename: str = ""


@dataclass(frozen=True)
class PostForm:
    """A multipart POST upload: its fields in order (up to the file) and the file."""

    fields: list[tuple[str, str]]
    file: UploadedFile | None

    def value(self, name: str) -> str | None:
        """The field's value; S3 reads field names whatever their case."""
        wanted = name.lower()
        for key, value in self.fields:
            if key.lower() == wanted:
                return value
        return None

    def repeated(self) -> list[str]:
        """Names given more than once (in any mix of cases), whose meaning S3 and moto read differently."""
        seen: dict[str, list[str]] = {}
        for name, _ in self.fields:
            seen.setdefault(name.lower(), []).append(name)
        return [" and ".join(f"'{name}'" for name in names) for names in seen.values() if len(names) > 1]

    def encode(self) -> tuple[str, bytes]:
        """The form as moto should receive it: each field once, under the lower-case name moto reads.

        Moto takes the field ``key`` only in lower case and stores the last file it sees, so the
        front never forwards the client's body but this one, built from exactly what it checked.
        """
        parts: list[tuple[str, bytes, str | None]] = [
            (name.lower(), value.encode(), None) for name, value in self.fields
        ]
        if self.file is not None:
            parts.append(("file", self.file.content, self.file.filename))
        boundary = uuid.uuid4().hex
        while any(boundary.encode() in content for _, content, _ in parts):
            boundary = uuid.uuid4().hex
        body = bytearray()
        for name, content, filename in parts:
            disposition = f'form-data; name="{_quoted(name)}"'
            if filename is not None:
                disposition += f'; filename="{_quoted(filename)}"'
            body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
            body += content + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        return f"multipart/form-data; boundary={boundary}", bytes(body)


def _quoted(text: str) -> str:
    """A header parameter value as browsers write it: quotes percent-encoded, no line breaks."""
    return text.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def _denied(detail: str) -> S3Error:
    return S3Error(403, "AccessDenied", f"Invalid according to Policy: {detail}")


def _media_type(content_type: str) -> Message:
    header = Message()
    header["content-type"] = content_type
    return header


def parse_multipart(content_type: str, body: bytes) -> PostForm:
    """Split a ``multipart/form-data`` body; like S3, stop at the ``file`` field and ignore what follows."""
    boundary = _media_type(content_type).get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise ValueError("multipart body without a boundary")
    fields: list[tuple[str, str]] = []
    for chunk in (b"\r\n" + body).split(b"\r\n--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):
            break
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep:
            raise ValueError("multipart part without a blank line after its headers")
        part = Message()
        for line in head.decode("utf-8", errors="replace").split("\r\n"):
            header_name, colon, header_value = line.partition(":")
            if colon:
                part[header_name.strip()] = header_value.strip()
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        if name.lower() == "file":
            filename = part.get_param("filename", header="content-disposition")
            return PostForm(fields, UploadedFile(content, filename if isinstance(filename, str) else ""))
        fields.append((name, content.decode("utf-8", errors="replace")))
    return PostForm(fields, None)


def signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret_key).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _condition_text(operator: str, name: str, value: Any) -> str:
    return json.dumps([operator, f"${name}", value])


def _check_condition(condition: Any, form: PostForm, bucket: str, size: int) -> S3Error | None:
    if isinstance(condition, dict):
        for name, expected in condition.items():
            actual = bucket if name.lower() == "bucket" else form.value(name)
            if actual != str(expected):
                return _denied(f"Policy Condition failed: {_condition_text('eq', name, expected)}")
        return None
    if not isinstance(condition, list) or len(condition) != 3:
        return _denied(f"Invalid Policy: Invalid condition {json.dumps(condition)}")
    operator = str(condition[0]).lower()
    if operator == "content-length-range":
        low, high = int(condition[1]), int(condition[2])
        if size > high:
            details = {"ProposedSize": str(size), "MaxSizeAllowed": str(high)}
            return S3Error(
                400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", details
            )
        if size < low:
            details = {"ProposedSize": str(size), "MinSizeAllowed": str(low)}
            return S3Error(
                400,
                "EntityTooSmall",
                "Your proposed upload is smaller than the minimum allowed size",
                details,
            )
        return None
    name = str(condition[1]).removeprefix("$")
    expected = str(condition[2])
    actual = bucket if name.lower() == "bucket" else form.value(name)
    if operator == "eq":
        ok = actual == expected
    elif operator == "starts-with":
        values = actual.split(",") if actual is not None and name.lower() == "content-type" else [actual]
        ok = all(value is not None and value.strip().startswith(expected) for value in values)
    else:
        return _denied(f"Invalid Policy: Invalid condition operator {operator}")
    if not ok:
        return _denied(f"Policy Condition failed: {_condition_text(condition[0], name, condition[2])}")
    return None


def _signature_mismatch() -> S3Error:
    message = (
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method."
    )
    return S3Error(403, "SignatureDoesNotMatch", message)


def _unknown_key(access_key: str) -> S3Error:
    message = "The AWS Access Key Id you provided does not exist in our records."
    return S3Error(403, "InvalidAccessKeyId", message, {"AWSAccessKeyId": access_key})


def _check_signature(form: PostForm, policy_b64: str, credentials: Mapping[str, str]) -> S3Error | None:
    """Signature Version 4 (``x-amz-signature``) or, as S3 still accepts, Version 2 (``signature``)."""
    legacy_signature = form.value("signature")
    if form.value("x-amz-signature") is None and legacy_signature is not None:
        access_key = form.value("AWSAccessKeyId") or ""
        secret = credentials.get(access_key)
        if secret is None:
            return _unknown_key(access_key)
        digest = hmac.new(secret.encode(), policy_b64.encode(), hashlib.sha1).digest()
        ok = hmac.compare_digest(base64.b64encode(digest).decode(), legacy_signature)
        return None if ok else _signature_mismatch()
    algorithm = form.value("x-amz-algorithm")
    credential = form.value("x-amz-credential") or ""
    signature = form.value("x-amz-signature")
    if algorithm != "AWS4-HMAC-SHA256" or signature is None:
        return S3Error(400, "InvalidArgument", _MISSING_FIELD.format("x-amz-signature"))
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        return S3Error(400, "InvalidArgument", f"Invalid credential: {credential}")
    access_key, date, region, service, _ = parts
    secret = credentials.get(access_key)
    if secret is None:
        return _unknown_key(access_key)
    key = signing_key(secret, date, region, service)
    expected = hmac.new(key, policy_b64.encode(), hashlib.sha256).hexdigest()
    return None if hmac.compare_digest(expected, signature.lower()) else _signature_mismatch()


def _covered_names(conditions: Sequence[Any]) -> set[str]:
    names: set[str] = set()
    for condition in conditions:
        if isinstance(condition, dict):
            names |= {name.lower() for name in condition}
        elif (
            isinstance(condition, list)
            and len(condition) == 3
            and str(condition[0]).lower() != "content-length-range"
        ):
            names.add(str(condition[1]).removeprefix("$").lower())
    return names


def check_post(bucket: str, form: PostForm, credentials: Mapping[str, str], now: datetime) -> S3Error | None:
    """S3's verdict on a browser POST upload; ``None`` means S3 would store it."""
    repeated = form.repeated()
    if repeated:
        return S3Error(
            400,
            "InvalidArgument",
            f"POST form fields must each appear once; given more than once: {', '.join(repeated)}.",
        )
    if form.value("key") is None:
        return S3Error(
            400,
            "InvalidArgument",
            _MISSING_FIELD.format("key"),
        )
    if form.file is None:
        return S3Error(400, "InvalidArgument", "POST requires exactly one file upload per request.")
    size = len(form.file.content)
    policy_b64 = form.value("policy")
    if policy_b64 is None:
        return S3Error(403, "AccessDenied", "Access Denied")
    signature_error = _check_signature(form, policy_b64, credentials)
    if signature_error is not None:
        return signature_error
    try:
        policy = json.loads(base64.b64decode(policy_b64, validate=True))
        expiration = datetime.fromisoformat(str(policy["expiration"]))
        if expiration.tzinfo is None:
            raise ValueError  # an instant without a time zone is no instant
        conditions = list(policy.get("conditions", []))
    except (binascii.Error, ValueError, KeyError, TypeError):
        return S3Error(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.")
    if expiration <= now:
        return _denied("Policy expired.")
    for condition in conditions:
        error = _check_condition(condition, form, bucket, size)
        if error is not None:
            return error
    covered = _covered_names(conditions)
    extra = [
        name
        for name, _ in form.fields
        if name.lower() not in UNSIGNED_FIELDS
        and not name.lower().startswith("x-ignore-")
        and name.lower() not in covered
    ]
    if extra:
        return _denied(f"Extra input fields: {', '.join(extra)}")
    return None


def admit_upload(
    bucket: str, content_type: str, body: bytes, credentials: Mapping[str, str], now: datetime
) -> S3Error | tuple[str, bytes]:
    """S3's answer to a POST on a bucket: its error, or the content type and body to hand moto."""
    if _media_type(content_type).get_content_type() != "multipart/form-data":
        return S3Error(
            412,
            "PreconditionFailed",
            "At least one of the pre-conditions you specified did not hold",
            {"Condition": "Bucket POST must be of the enclosure-type multipart/form-data"},
        )
    try:
        form = parse_multipart(content_type, body)
    except ValueError:
        return S3Error(
            400,
            "MalformedPOSTRequest",
            "The body of your POST request is not well-formed multipart/form-data.",
        )
    error = check_post(bucket, form, credentials, now)
    return form.encode() if error is None else error


def cors_headers(rules: Sequence[CorsRule], origin: str | None, method: str) -> list[tuple[str, str]]:
    """The CORS headers S3 puts on a response to ``method`` from ``origin`` under the bucket's rules."""
    if not origin:
        return []
    for rule in rules:
        if method not in rule.allowed_methods:
            continue
        if "*" in rule.allowed_origins or origin in rule.allowed_origins:
            allowed = "*" if "*" in rule.allowed_origins else origin
            headers = [
                ("Access-Control-Allow-Origin", allowed),
                ("Access-Control-Allow-Methods", ", ".join(rule.allowed_methods)),
            ]
            if rule.exposed_headers:
                headers.append(("Access-Control-Expose-Headers", ", ".join(rule.exposed_headers)))
            if rule.max_age is not None:
                headers.append(("Access-Control-Max-Age", str(rule.max_age)))
            headers.append(("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"))
            return headers
    return []


class S3Front(LocalServer):
    """The front server on 127.0.0.1: checks POST uploads, forwards everything to moto."""

    def __init__(
        self,
        port: int,
        backend: tuple[str, int],
        credentials: Mapping[str, str],
        cors: Mapping[str, Sequence[CorsRule]],
        meter: Meter | None = None,
    ) -> None:
        super().__init__(port, _FrontHandler, "s3-front", meter, lambda request: ("S3 front", None))
        self.backend = backend
        self.credentials = dict(credentials)
        self.cors = cors


class _FrontHandler(LocalHandler):
    server: S3Front

    def _read_body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def handle_request(self) -> None:
        body = self._read_body()
        target = urlsplit(self.path)
        bucket = target.path.strip("/")
        content_type = None
        if self.command == "POST" and bucket and "/" not in bucket and not target.query:
            admitted = admit_upload(
                bucket,
                self.headers.get("content-type", ""),
                body,
                self.server.credentials,
                datetime.now(UTC),
            )
            if isinstance(admitted, S3Error):
                self._reply_error(admitted, bucket)
                return
            content_type, body = admitted
        self._forward(body, content_type)

    def _reply_error(self, error: S3Error, bucket: str) -> None:
        cors = cors_headers(self.server.cors.get(bucket, ()), self.headers.get("origin"), "POST")
        self.reply(error.status, [("Content-Type", "application/xml"), *cors], error.xml())

    def _forward(self, body: bytes, content_type: str | None) -> None:
        connection = http.client.HTTPConnection(*self.server.backend, timeout=120)
        try:
            replaced_here = {"content-length"} | ({"content-type"} if content_type is not None else set())
            headers = {
                name: value
                for name, value in self.headers.items()
                if name.lower() not in _HOP_BY_HOP and name.lower() not in replaced_here
            }
            if content_type is not None:
                headers["Content-Type"] = content_type
            # http.client writes the Content-Length of the body it sends (0 for an empty POST or PUT).
            connection.request(self.command, self.path, body=body or None, headers=headers)
            response = connection.getresponse()
            payload = response.read()
        finally:
            connection.close()
        self.send_response(response.status, response.reason)
        replaced = {"content-length", "server", "date"}
        for name, value in response.getheaders():
            if name.lower() not in _HOP_BY_HOP and name.lower() not in replaced:
                self.send_header(name, value)
        length = response.getheader("content-length") if self.command == "HEAD" else None
        self.send_header("Content-Length", length or str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
