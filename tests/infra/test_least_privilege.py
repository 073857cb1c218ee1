"""The least-privilege comparison on calls stated here; ``tests.support.recorded_calls`` runs it on real
ones."""

from __future__ import annotations

import os
from typing import Any

import pytest

from cfp_tools.template import load_yaml, transform_offline
from tests.support.least_privilege import TEMPLATE, Permissions, compare, environment_of, problems_with


def test_a_missing_grant_and_an_unused_one_are_named() -> None:
    raw = load_yaml(TEMPLATE)
    permissions = Permissions(raw, transform_offline(TEMPLATE))
    environment = environment_of(raw)
    recorded = [
        {"function": "deadline", "action": action, "resource": "TABLE_NAME"}
        for action in (
            "dynamodb:PutItem",
            "dynamodb:GetItem",
            "dynamodb:Scan",
            "dynamodb:Query",
            "dynamodb:UpdateItem",
        )
    ]
    recorded.append({"function": "deadline", "action": "dynamodb:BatchWriteItem", "resource": "TABLE_NAME"})
    problems = [
        p
        for p in compare(recorded, permissions, environment)
        if p.startswith("DeadlineFunction") and "dynamodb" in p
    ]
    assert problems == [
        "DeadlineFunction calls dynamodb:BatchWriteItem on SubmissionsTable, which the template does not"
        " grant it",
        "DeadlineFunction is granted dynamodb:DeleteItem on SubmissionsTable, which no test saw it call:"
        " remove it, or say why in its Metadata.GrantedWithoutRecordedCall",
    ]


def test_calls_are_named_by_the_actions_iam_checks() -> None:
    from tests.support.recorded_calls import iam_actions

    os.environ["CFP_TEST_TABLE"] = "submissions-table"
    try:
        transaction = {
            "TransactItems": [
                {"Put": {"TableName": "submissions-table"}},
                {"ConditionCheck": {"TableName": "submissions-table"}},
            ]
        }
        assert iam_actions("dynamodb", "TransactWriteItems", transaction) == [
            ("dynamodb:PutItem", "CFP_TEST_TABLE"),
            ("dynamodb:ConditionCheckItem", "CFP_TEST_TABLE"),
        ]
        batch: dict[str, Any] = {"RequestItems": {"submissions-table": {"Keys": []}}}
        assert iam_actions("dynamodb", "BatchGetItem", batch) == [("dynamodb:BatchGetItem", "CFP_TEST_TABLE")]
    finally:
        del os.environ["CFP_TEST_TABLE"]
    assert iam_actions("s3", "GetObject", {"VersionId": "v"}) == [("s3:GetObjectVersion", None)]
    assert iam_actions("s3", "HeadObject", {}) == [("s3:GetObject", None)]
    assert iam_actions("ses", "SendEmail", {}) == [("ses:SendEmail", None)]
    assert iam_actions("s3", "UploadPart", {}) == [("s3:PutObject", None)]
    assert iam_actions("sqs", "ChangeMessageVisibilityBatch", {}) == [("sqs:ChangeMessageVisibility", None)]


def test_a_send_naming_a_configuration_set_needs_both_resources(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support.recorded_calls import iam_actions

    monkeypatch.setenv("CONFIGURATION_SET", "cfp-mail")
    monkeypatch.setenv("TABLE_NAME", "cfp-table")
    assert iam_actions("ses", "SendEmail", {"ConfigurationSetName": "cfp-mail"}) == [
        ("ses:SendEmail", None),
        ("ses:SendEmail", "CONFIGURATION_SET"),
    ]
    batch: dict[str, Any] = {"RequestItems": {"cfp-table": {"Keys": []}}}
    assert iam_actions("dynamodb", "BatchGetItem", batch) == [("dynamodb:BatchGetItem", "TABLE_NAME")]


def test_calls_of_some_functions_only_are_not_judged_complete() -> None:
    recorded = [{"function": "api", "action": "dynamodb:GetItem", "resource": "TABLE_NAME"}]
    assert problems_with(recorded) == [
        "the handler tests recorded calls of ['api'], not of every function"
        " ['api', 'archiver', 'deadline', 'feedback', 'notifier', 'releaser', 'signin', 'validator']"
    ]
