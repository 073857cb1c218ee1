"""A pytest plugin that records every AWS call a function's handler makes, as the IAM action it needs.

Loaded with ``-p tests.recorded_calls`` and ``CFP_RECORD_CALLS=FILE``; ``tests/infra/test_least_privilege.py``
runs the handler tests with it and compares what was recorded with what the template grants. A botocore
handler on ``before-sign`` sees every request the SDK signs, presigned ones included (a presigned POST is
signed as ``s3 PutObject``), and the resource is told from the parameters by the environment variable
that named it (``TABLE_NAME``, ``NOTIFICATION_QUEUE_URL``, ...), as the template sets them.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import botocore.handlers
import pytest

from tests.aws import RUNNING_FUNCTION

_recorded: set[tuple[str, str, str | None]] = set()
_params = threading.local()
# Operations whose IAM action has another name, or depends on the parameters.
_S3_ACTIONS = {
    "HeadObject": "GetObject",
    "ListObjectsV2": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
    "CreateMultipartUpload": "PutObject",
    "UploadPart": "PutObject",
    "CompleteMultipartUpload": "PutObject",
}
_SQS_ACTIONS = {
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
    "DeleteMessageBatch": "DeleteMessage",
}
_TRANSACTION_ITEMS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}
_TRANSACTION_ITEMS["ConditionCheck"] = "ConditionCheckItem"
_TRANSACTION_ITEMS["Get"] = "GetItem"


def _resource(params: dict[str, Any]) -> str | None:
    """The environment variable whose value names the table, queue, bucket or key the call is about."""
    named = (
        params.get("TableName")
        or params.get("QueueUrl")
        or params.get("Bucket")
        or params.get("KeyId")
        or params.get("SecretId")
    )
    if not named:
        return None
    matches = sorted(name for name, value in os.environ.items() if value == named)
    return matches[0] if matches else f"unknown:{named}"


def iam_actions(prefix: str, operation: str, params: dict[str, Any]) -> list[tuple[str, str | None]]:
    """The IAM actions (and resources) one signed request needs."""
    if prefix == "dynamodb" and operation in {"TransactWriteItems", "TransactGetItems"}:
        return [
            (f"dynamodb:{_TRANSACTION_ITEMS[kind]}", _resource(item))
            for entry in params.get("TransactItems", [])
            for kind, item in entry.items()
        ]
    if prefix == "sqs":
        operation = _SQS_ACTIONS.get(operation, operation)
    if prefix == "s3":
        operation = _S3_ACTIONS.get(operation, operation)
        if operation == "GetObject" and params.get("VersionId"):
            operation = "GetObjectVersion"
    return [(f"{prefix}:{operation}", _resource(params))]


def _remember_params(params: dict[str, Any], **_: Any) -> None:
    _params.latest = params


def _record(operation_name: str, signing_name: str, **_: Any) -> None:
    """The signing name is the IAM prefix (``ses`` for the sesv2 client)."""
    function = RUNNING_FUNCTION.get()
    if function is None:
        return
    for action, resource in iam_actions(signing_name, operation_name, getattr(_params, "latest", {})):
        _recorded.add((function, action, resource))


def pytest_configure(config: pytest.Config) -> None:
    """Installed before any test creates a client, so every botocore session has the handlers."""
    botocore.handlers.BUILTIN_HANDLERS.append(("provide-client-params", _remember_params))
    botocore.handlers.BUILTIN_HANDLERS.append(("before-sign", _record))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    target = os.environ.get("CFP_RECORD_CALLS")
    if target:
        rows = [{"function": f, "action": a, "resource": r} for f, a, r in sorted(_recorded, key=str)]
        Path(target).write_text(json.dumps(rows, indent=1))
