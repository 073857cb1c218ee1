"""Test-wide set-up: fake AWS credentials and the service's environment, never a real account."""

from __future__ import annotations

import os

import pytest

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "cfp",
        "POWERTOOLS_SERVICE_NAME": "cfp",
        "POWERTOOLS_DEV": "false",
    }
)
for variable in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE"):
    os.environ.pop(variable, None)


@pytest.fixture(autouse=True)
def _fresh_wiring() -> None:
    from cfp import wiring

    wiring.reset()
