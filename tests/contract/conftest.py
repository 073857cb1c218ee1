"""Each contract test runs twice: on the in-memory fakes the use cases' tests stand on, and on the
DynamoDB adapters over moto, in a table made as the template declares it. A fake that drifts from the
adapter it stands for fails here, not silently in the use cases' tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from cfp.adapters import Adapters
from cfp.clock import FixedClock
from cfp.settings import Settings
from cfp_tools.template import REGION, Template, default_template_path
from tests.support.fakes import (
    fake_adapters,
)
from tests.support.records import DEADLINE, T0
from tests.support.use_cases import settings

TABLE = "cfp-contract-submissions"


def _settings() -> Settings:
    return settings(deadline=DEADLINE, table_name=TABLE)


def _fakes() -> Adapters:
    return fake_adapters(_settings(), FixedClock(T0))


def _dynamodb() -> Adapters:
    """The adapters the composition root makes, over a moto table with the template's keys."""
    declared = Template(default_template_path()).table("SubmissionsTable")
    dynamodb: Any = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(
        TableName=TABLE,
        AttributeDefinitions=list(declared.attribute_definitions),
        KeySchema=list(declared.key_schema),
        BillingMode="PAY_PER_REQUEST",
    )

    def clients(service: str) -> Any:
        return boto3.client(service, region_name=REGION)  # type: ignore[call-overload]

    return Adapters(settings=_settings(), clock=FixedClock(T0), clients=clients)


@pytest.fixture(params=["fake", "dynamodb"])
def adapters(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Adapters]:
    if request.param == "fake":
        yield _fakes()
        return
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield _dynamodb()
