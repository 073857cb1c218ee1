"""The ``cfp`` command's wiring and the API Gateway mapping rules, without starting servers."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from cfp_tools import cli
from cfp_tools.local.http_api import Route, cors_response_headers, preflight_headers, to_http_response
from cfp_tools.local.pollers import failed_ids, to_record
from cfp_tools.template import ApiCors


def test_bench_runs_the_benchmark_module_with_the_remaining_arguments(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[list[str]] = []
    fake = ModuleType("cfp_tools.bench")

    def main(argv: list[str]) -> int:
        seen.append(argv)
        return 3

    fake.main = main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cfp_tools.bench", fake)
    assert cli.main(["bench", "--files", "5"]) == 3
    assert seen == [["--files", "5"]]


def test_parameter_overrides_must_be_name_value_pairs() -> None:
    assert cli.parse_pairs(["GraceSeconds=30", "PublicUrl="]) == {"GraceSeconds": "30", "PublicUrl": ""}
    with pytest.raises(argparse.ArgumentTypeError):
        cli.parse_pairs(["GraceSeconds"])


def test_local_refuses_an_unknown_parameter(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert cli.main(["local", "--param", "NoSuchThing=1", "--outbox", str(tmp_path)]) == 1
    assert "unknown parameter NoSuchThing" in capsys.readouterr().err


def test_fire_schedule_and_clock_report_a_missing_stack(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["fire-schedule", "--api-url", "http://127.0.0.1:9", "--at", "2030-01-01T00:00:00Z"]) == 1
    assert "cfp fire-schedule: no local stack at http://127.0.0.1:9" in capsys.readouterr().err
    assert cli.main(["clock", "--api-url", "http://127.0.0.1:9", "--to", "2030-01-01T00:00:00Z"]) == 1
    assert "cfp clock: no local stack at http://127.0.0.1:9" in capsys.readouterr().err


class _Worker:
    """Stands in for a function worker; routes only hold on to it."""


def _route(route_key: str) -> Route:
    return Route.build(route_key, _Worker())  # type: ignore[arg-type]


def test_routes_match_like_api_gateway() -> None:
    proxy = _route("ANY /{proxy+}")
    assert proxy.match("GET", "/submissions/abc") == {"proxy": "submissions/abc"}
    assert proxy.match("GET", "/") is None
    item = _route("GET /items/{id}")
    assert item.match("GET", "/items/a%20b") == {"id": "a b"}
    assert item.match("POST", "/items/a") is None and item.match("GET", "/items/a/b") is None
    default = _route("$default")
    assert default.match("DELETE", "/") == {}
    ordered = sorted([default, proxy, _route("ANY /items/{id}"), item], key=lambda r: r.precedence)
    assert [r.route_key for r in ordered] == [
        "GET /items/{id}",
        "ANY /items/{id}",
        "ANY /{proxy+}",
        "$default",
    ]


def test_handler_results_map_to_http_responses() -> None:
    assert to_http_response({"ok": True}) == (200, [("content-type", "application/json")], b'{"ok": true}')
    assert to_http_response("plain") == (200, [("content-type", "application/json")], b"plain")
    status, headers, body = to_http_response(
        {
            "statusCode": 201,
            "headers": {"x-a": "1"},
            "cookies": ["a=1"],
            "body": "aGk=",
            "isBase64Encoded": True,
        }
    )
    assert (status, body) == (201, b"hi")
    assert headers == [("x-a", "1"), ("set-cookie", "a=1"), ("content-type", "application/json")]
    assert to_http_response({"statusCode": 204}) == (204, [], b"")


def test_cors_headers_follow_the_configuration() -> None:
    cors = ApiCors(("https://a.example",), ("GET", "POST"), ("content-type",), ("x-id",), True, 600)
    assert cors_response_headers(cors, "https://b.example") == []
    assert cors_response_headers(cors, "https://a.example") == [
        ("access-control-allow-origin", "https://a.example"),
        ("access-control-allow-credentials", "true"),
        ("access-control-expose-headers", "x-id"),
        ("vary", "origin"),
    ]
    assert preflight_headers(cors, "https://a.example", "DELETE", "") == []
    assert preflight_headers(cors, "https://a.example", "POST", "authorization") == []
    allowed = dict(preflight_headers(cors, "https://a.example", "POST", "Content-Type"))
    assert allowed["access-control-allow-methods"] == "GET,POST"
    assert allowed["access-control-max-age"] == "600"


def _message(message_id: str) -> dict[str, Any]:
    return {
        "MessageId": message_id,
        "ReceiptHandle": f"rh-{message_id}",
        "Body": "{}",
        "MD5OfBody": "99914b932bd37a50b983c5e7c90ae93b",
        "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000"},
        "MessageAttributes": {"kind": {"StringValue": "x", "DataType": "String"}},
    }


def test_sqs_records_look_like_lambdas() -> None:
    record = to_record(_message("m1"), "arn:aws:sqs:us-east-1:123456789012:q")
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"].endswith(":q")
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["messageAttributes"]["kind"] == {
        "stringValue": "x",
        "binaryValue": None,
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }


def test_batch_item_failures_are_read_as_lambda_reads_them() -> None:
    ids = {"a", "b"}
    assert failed_ids(None, ids) == set()
    assert failed_ids({"batchItemFailures": []}, ids) == set()
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "a"}]}, ids) == {"a"}
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "zzz"}]}, ids) is None
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": ""}]}, ids) is None
    assert failed_ids("oops", ids) is None


@pytest.mark.parametrize(("body_pages", "outcome"), [(2, "pass"), (3, "fail")])
def test_sample_pdf_has_the_asked_body_pages(
    capsysbinary: pytest.CaptureFixture[bytes], body_pages: int, outcome: str
) -> None:
    from cfp.formatcheck import FormatSpec, check_pdf

    assert cli.main(["sample-pdf", "--body-pages", str(body_pages)]) == 0
    verdict = check_pdf(capsysbinary.readouterr().out, FormatSpec(max_body_pages=2))
    assert (verdict.body_pages, verdict.pages, verdict.outcome) == (body_pages, body_pages + 1, outcome)
