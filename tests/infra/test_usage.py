"""The local stack's CPU accounting: parts and operations add up, HTTP invocations are named by route."""

from __future__ import annotations

from typing import Any

from cfp_tools.local.usage import UNATTRIBUTED, Meter, openapi_routes
from tests.support.running import ROOT


def _event(method: str, path: str, route: str = "ANY /{proxy+}") -> dict[str, Any]:
    return {"routeKey": route, "rawPath": path, "requestContext": {"http": {"method": method}}}


def test_a_greedy_routes_invocations_are_named_by_the_apis_path_templates() -> None:
    meter = Meter(openapi_routes(ROOT / "openapi.json"))
    assert meter.operation(_event("POST", "/submissions")) == "POST /submissions"
    assert meter.operation(_event("GET", "/submissions/abcdefghij")) == "GET /submissions/{submission_id}"
    assert meter.operation(_event("GET", "/organizers/session")) == "GET /organizers/session"
    assert meter.operation(_event("GET", "/no/such/path")) == "GET (other)"
    assert meter.operation(_event("GET", "/", route="GET /")) == "GET /"
    assert meter.operation({"Records": []}) is None


def test_calls_and_seconds_add_up_by_part_and_operation() -> None:
    meter = Meter()
    meter.add("moto sqs", 0.002, operation="SendMessage")
    meter.add("moto sqs", 0.004, operation="ReceiveMessage")
    meter.add("ApiFunction", 0.010, operation="GET /call", here=False)
    snapshot = meter.snapshot()
    assert snapshot["parts"]["moto sqs"] == {"calls": 2, "cpu_seconds": 0.006}
    assert snapshot["operations"]["moto sqs: ReceiveMessage"] == {"calls": 1, "cpu_seconds": 0.004}
    assert snapshot["parts"]["ApiFunction"]["calls"] == 1
    # The process's own CPU less what its parts measured (the function's ran elsewhere).
    assert snapshot["parts"][UNATTRIBUTED]["cpu_seconds"] >= 0
