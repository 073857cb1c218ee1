"""Builders for the events AWS really sends, and a moto-backed world of the service's resources."""

from __future__ import annotations

import base64
import functools
import importlib.util
import json
import logging
import os
import sys
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote_plus

from tests.support.call import DEADLINE

ROOT = Path(__file__).resolve().parents[2]


# The function whose handler is running, so the AWS calls made meanwhile can be told apart by function.
RUNNING_FUNCTION: ContextVar[str | None] = ContextVar("running_function", default=None)


# An environment the template could give every function, with placeholder names: a handler parses its settings
# at import (its cold start), before any test's `world` sets the names of the resources it made.
FUNCTION_ENVIRONMENT = {
    "CONFERENCE_NAME": "Workshop",
    "DEADLINE": DEADLINE,
    "SENDER_EMAIL": "cfp@example.org",
    "TABLE_NAME": "cfp-submissions",
    "BUCKET_NAME": "cfp-uploads",
    "NOTIFICATION_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/cfp-notifications",
    "RECEIPT_TOKEN_KEY_ID": "receipt-token-key",
    "VALIDATION_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/cfp-validation",
    "VALIDATION_DEAD_LETTER_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/cfp-validation-dlq",
    "ARCHIVE_DEAD_LETTER_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/cfp-archive-dlq",
    "CONFIGURATION_SET": "cfp-mail",
}


def load_function(name: str) -> ModuleType:
    """Import ``functions/<name>/app.py`` under a unique module name, as its own Lambda would, once; the
    variables of ``FUNCTION_ENVIRONMENT`` not set already are set for the import only."""
    module_name = f"cfp_function_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    missing = {key: value for key, value in FUNCTION_ENVIRONMENT.items() if key not in os.environ}
    os.environ.update(missing)
    try:
        module = import_function(name, module_name)
    finally:
        for key in missing:
            os.environ.pop(key, None)
    module.__dict__["lambda_handler"] = _running_as(name, module.__dict__["lambda_handler"])
    return module


# Modules that hold one app's state (the API's rooms know the resolver that included them): a fresh import
# of a function imports them afresh too, so two apps in one test process never share them.
_PER_APP = ("cfp.api",)


def import_function(name: str, module_name: str) -> ModuleType:
    """A fresh import of ``functions/<name>/app.py`` in the environment as it is, as a cold start does."""
    for loaded in [m for m in sys.modules if m.startswith(_PER_APP)]:
        del sys.modules[loaded]
    spec = importlib.util.spec_from_file_location(module_name, ROOT / "functions" / name / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


def _running_as(name: str, handler: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(handler)
    def run(*args: Any, **kwargs: Any) -> Any:
        token = RUNNING_FUNCTION.set(name)
        try:
            return handler(*args, **kwargs)
        finally:
            RUNNING_FUNCTION.reset(token)

    return run


@dataclass
class FakeContext:
    """The attributes of a Lambda context object that Powertools reads."""

    function_name: str = "test-function"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    aws_request_id: str = "req-1"
    remaining_ms: int = 300_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def http_event(
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    raw_body: str | None = None,
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event for the proxy route."""
    all_headers = {"content-type": "application/json", "user-agent": "pytest", **(headers or {})}
    if token:
        all_headers["authorization"] = f"Bearer {token}"
    text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
    now = datetime.now(UTC)
    return {
        "version": "2.0",
        "routeKey": "ANY /{proxy+}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": all_headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "domainName": "api.example.org",
            "domainPrefix": "api",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.1",
                "userAgent": "pytest",
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "ANY /{proxy+}",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "pathParameters": {"proxy": path.lstrip("/")},
        "body": text,
        "isBase64Encoded": False,
    }


def s3_record(
    bucket: str,
    key: str,
    size: int,
    etag: str,
    event_time: datetime,
    version_id: str | None = None,
    moto_style: bool = False,
) -> dict[str, Any]:
    """One S3 ObjectCreated record, key URL-encoded as S3 sends it; ``moto_style`` drops what moto omits."""
    obj: dict[str, Any] = {"key": quote_plus(key, safe="/"), "size": size, "eTag": etag}
    if version_id:
        obj["versionId"] = version_id
    record: dict[str, Any] = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventTime": event_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "eventName": "ObjectCreated:Post",
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "uploads",
            "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
            "object": obj,
        },
    }
    if not moto_style:
        record["userIdentity"] = {"principalId": "AWS:AROAEXAMPLE"}
        record["requestParameters"] = {"sourceIPAddress": "192.0.2.1"}
        record["responseElements"] = {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8"}
        record["s3"]["bucket"]["ownerIdentity"] = {"principalId": "A3NL1KOZZKExample"}
        obj["sequencer"] = "0055AED6DCD90281E5"
    return record


def sqs_event(bodies: list[str], queue: str = "validation", receive_count: int = 1) -> dict[str, Any]:
    """An SQS event as Lambda's event source mapping delivers it."""
    records = []
    for body in bodies:
        message_id = str(uuid.uuid4())
        records.append(
            {
                "messageId": message_id,
                "receiptHandle": base64.b64encode(message_id.encode()).decode(),
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": str(receive_count),
                    "SentTimestamp": "1503000000000",
                    "SenderId": "AIDAEXAMPLE",
                    "ApproximateFirstReceiveTimestamp": "1503000000001",
                },
                "messageAttributes": {},
                "md5OfBody": "0" * 32,
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:{queue}",
                "awsRegion": "us-east-1",
            }
        )
    return {"Records": records}


def s3_event_body(*records: dict[str, Any]) -> str:
    return json.dumps({"Records": list(records)})


S3_TEST_EVENT = json.dumps(
    {
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": "2017-08-01T12:00:00.000Z",
        "Bucket": "cfp-uploads",
        "RequestId": "5582815E1AEA5ADF",
        "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE",
    }
)


def failed_record_lines(records: list[logging.LogRecord]) -> list[dict[str, Any]]:
    """What the batch processor logged for each failed record, as the fields of its structured line."""
    failed = [r for r in records if r.getMessage().startswith("record failed")]
    fields = ("message_id", "receive_count", "exception")
    return [{key: getattr(r, key, None) for key in fields} for r in failed]
