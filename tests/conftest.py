"""Test-wide set-up: fake AWS credentials and the service's environment, never a real account."""

from __future__ import annotations

import os
from typing import Any

import botocore.loaders
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


def _share_service_models_between_sessions() -> None:
    """Parse each botocore data file once per test process, not once per boto3 session.

    Every ``mock_aws()`` starts a new default session, and each session's loader parsed the service models
    again: a quarter of the handler tests' time went to decoding the same JSON. botocore already hands the
    same parsed model to every client of one session, so sharing it between sessions changes nothing else.
    """
    shared: dict[tuple[Any, ...], Any] = {}
    for name in ("load_service_model", "load_data_with_path", "list_available_services", "list_api_versions"):
        original = getattr(botocore.loaders.Loader, name)

        def load_once(
            self: Any, *args: Any, _original: Any = original, _name: str = name, **kwargs: Any
        ) -> Any:
            key = (_name, tuple(self.search_paths), args, tuple(sorted(kwargs.items())))
            if key not in shared:
                shared[key] = _original(self, *args, **kwargs)
            return shared[key]

        setattr(botocore.loaders.Loader, name, load_once)


_share_service_models_between_sessions()


@pytest.fixture(autouse=True)
def _fresh_wiring() -> None:
    from cfp import wiring

    wiring.reset()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the files that start servers first, each followed by a file of fast tests.

    Under ``--dist loadfile`` a worker is handed its next file while its current one has two tests or fewer
    left to run, so two slow files in a row in the queue would both go to the worker that runs the first, and
    the run would end waiting for it. A fast file after each slow one is what that worker takes instead.
    """
    by_file: dict[str, list[pytest.Item]] = {}
    for item in items:
        by_file.setdefault(item.nodeid.partition("::")[0], []).append(item)
    slow: list[list[pytest.Item]] = []
    fast: list[list[pytest.Item]] = []
    for tests in by_file.values():
        (slow if any(item.get_closest_marker("slow") for item in tests) else fast).append(tests)
    ordered: list[pytest.Item] = []
    for index, tests in enumerate(slow):
        ordered += tests + (fast[index] if index < len(fast) else [])
    for tests in fast[len(slow) :]:
        ordered += tests
    items[:] = ordered
