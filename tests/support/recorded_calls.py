"""A pytest plugin that records every AWS call a function's handler makes, and checks the template grants it.

Loaded for every run (``-p tests.support.recorded_calls`` in ``pyproject.toml``). A botocore handler on
``before-sign`` sees every request the SDK signs, presigned ones included (a presigned POST is signed as
``s3 PutObject``), and the resource is told from the parameters by the environment variable that named it
(``TABLE_NAME``, ``NOTIFICATION_QUEUE_URL``, ...), as the template sets them.

When a run has run every handler test and each passed, the calls recorded (gathered from every xdist
worker) are compared with the template's grants (``tests/support/least_privilege.py``) once the session
ends: a mismatch is reported under "least privilege" and fails the run. The check rides on the handler
tests' own run rather than running them a second time; a run of some handler tests only says it did not
check.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import botocore.handlers
import pytest

from tests.support.aws import RUNNING_FUNCTION

_recorded: set[tuple[str, str, str | None]] = set()
HANDLER_TESTS = Path(__file__).resolve().parents[1] / "handlers"
_PREFIX = "tests/handlers/"


class _Run:
    """What this process (or, in the xdist controller, every worker) saw of the handler tests."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.collected: set[str] = set()
        self.deselected = False
        self.passed: set[str] = set()
        self.failed: set[str] = set()
        self.problems: list[str] | None = None
        self.reason = ""


_run = _Run()
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
    "SendMessageBatch": "SendMessage",
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
        or params.get("ConfigurationSetName")
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
    if prefix == "dynamodb" and operation in {"BatchGetItem", "BatchWriteItem"}:
        return [
            (f"dynamodb:{operation}", _resource({"TableName": t})) for t in params.get("RequestItems", {})
        ]
    if prefix == "ses" and params.get("ConfigurationSetName"):
        # SES authorises a send on the sending identity and on the configuration set it names.
        named = {"ConfigurationSetName": params["ConfigurationSetName"]}
        return [(f"ses:{operation}", None), (f"ses:{operation}", _resource(named))]
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
    """Installed before any test creates a client, so every botocore session has the handlers.

    A process may run several sessions (``pytest.main`` twice): each starts with nothing recorded.
    """
    global _run
    _run = _Run()
    _recorded.clear()
    for hook in (("provide-client-params", _remember_params), ("before-sign", _record)):
        if hook not in botocore.handlers.BUILTIN_HANDLERS:
            botocore.handlers.BUILTIN_HANDLERS.append(hook)


def pytest_collection_finish(session: pytest.Session) -> None:
    _run.collected = {item.nodeid for item in session.items if item.nodeid.startswith(_PREFIX)}


def pytest_deselected(items: list[pytest.Item]) -> None:
    if any(item.nodeid.startswith(_PREFIX) for item in items):
        _run.deselected = True


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not report.nodeid.startswith(_PREFIX):
        return
    if report.failed:
        _run.failed.add(report.nodeid)
    elif report.when == "call" and report.passed:
        _run.passed.add(report.nodeid)


def _rows() -> list[dict[str, Any]]:
    return [{"function": f, "action": a, "resource": r} for f, a, r in sorted(_recorded, key=str)]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist's controller: gather what each worker recorded and collected."""
    output = getattr(node, "workeroutput", {})
    known = {tuple(call.values()) for call in _run.calls}
    for call in output.get("cfp_recorded_calls", []):
        if tuple(call.values()) not in known:
            known.add(tuple(call.values()))
            _run.calls.append(call)
    _run.collected |= set(output.get("cfp_handler_tests", []))
    _run.deselected |= bool(output.get("cfp_handler_tests_deselected", False))


def _why_not_checked() -> str:
    on_disk = {path.name for path in HANDLER_TESTS.glob("test_*.py")}
    collected = {nodeid.removeprefix(_PREFIX).split("::")[0] for nodeid in _run.collected}
    if collected != on_disk or _run.deselected:
        return "not every handler test ran"
    if _run.failed or _run.passed != _run.collected:
        return "not every handler test passed"
    return ""


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["cfp_recorded_calls"] = _rows()
        workeroutput["cfp_handler_tests"] = sorted(_run.collected)
        workeroutput["cfp_handler_tests_deselected"] = _run.deselected
        return
    if not _run.collected:
        return
    if not hasattr(session.config, "workerinput") and not _run.calls:
        _run.calls = _rows()
    _run.reason = _why_not_checked()
    if _run.reason:
        return
    from tests.support.least_privilege import problems_with

    _run.problems = problems_with(_run.calls)
    if _run.problems:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _run.collected:
        return
    if _run.reason:
        terminalreporter.write_line(f"least privilege: not checked, {_run.reason}")
    elif _run.problems:
        terminalreporter.section("least privilege", red=True)
        for problem in _run.problems:
            terminalreporter.write_line(problem)
    elif _run.problems == []:
        functions = len({call["function"] for call in _run.calls})
        terminalreporter.write_line(
            f"least privilege: each of {functions} functions is granted exactly the"
            f" {len(_run.calls)} calls its handler tests made"
        )
