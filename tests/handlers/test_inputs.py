"""What the API takes in: text it cannot store is a field error, bodies are measured in bytes, and no
refused request spends a limit."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cfp import wiring
from tests.support.aws import FakeContext, http_event, load_function
from tests.support.world import World

api = load_function("api")

NEW: dict[str, Any] = {
    "title": "Learned Index Structures",
    "authors": [{"name": "Ada Lovelace", "email": "ada@example.org", "affiliation": "Engines"}],
    "contact_email": "ada@example.org",
    "abstract": "We index things.",
}
SURROGATE = "A\ud800B"


def call(method: str, path: str, raw: str | None, token: str | None = None) -> tuple[int, Any]:
    response = api.lambda_handler(http_event(method, path, token=token, raw_body=raw), FakeContext())
    return response["statusCode"], json.loads(response["body"]) if response["body"] else None


def as_json(body: Any) -> str:
    """The body as a client writes it: JSON with ``\\ud800`` escapes for what is not valid text."""
    return json.dumps(body)


@pytest.mark.parametrize(
    ("field", "body"),
    [
        ("title", {**NEW, "title": SURROGATE}),
        ("abstract", {**NEW, "abstract": SURROGATE}),
        ("contact_email", {**NEW, "contact_email": "a\ud800@example.org"}),
        ("authors.0.name", {**NEW, "authors": [{"name": SURROGATE}]}),
        ("authors.0.affiliation", {**NEW, "authors": [{"name": "Ada", "affiliation": SURROGATE}]}),
        ("authors.0.email", {**NEW, "authors": [{"name": "Ada", "email": "\udfff@example.org"}]}),
    ],
)
def test_a_lone_surrogate_in_any_text_field_is_a_field_error_and_spends_no_limit(
    world: World, monkeypatch: pytest.MonkeyPatch, field: str, body: dict[str, Any]
) -> None:
    monkeypatch.setenv("MAX_SUBMISSIONS_PER_CLIENT_PER_HOUR", "1")
    wiring.reset()
    wiring.use_clock(world.clock)
    status, answer = call("POST", "/submissions", as_json(body))
    assert (status, answer["error"]) == (422, "invalid_request"), answer
    assert [f["field"] for f in answer["fields"]] == [field]
    assert "lone surrogate" in answer["fields"][0]["problem"]
    assert call("POST", "/submissions", as_json(NEW))[0] == 201
    assert world.dynamodb.scan(TableName=world.table, Select="COUNT")["Count"] > 0


def test_an_edit_with_a_lone_surrogate_is_refused_after_the_token_is_checked(world: World) -> None:
    wiring.use_clock(world.clock)
    created = call("POST", "/submissions", as_json(NEW))[1]
    path = f"/submissions/{created['id']}"
    assert call("PATCH", path, as_json({"title": SURROGATE}))[0] == 401
    status, answer = call("PATCH", path, as_json({"title": SURROGATE}), token=created["token"])
    assert (status, [f["field"] for f in answer["fields"]]) == (422, ["title"])
    assert call("GET", path, None, token=created["token"])[1]["title"] == NEW["title"]


def test_the_console_routes_refuse_a_lone_surrogate_too(world: World) -> None:
    status, answer = call("POST", "/organizers/session", as_json({"secret": SURROGATE}))
    assert (status, [f["field"] for f in answer["fields"]]) == (422, ["secret"])


def test_the_body_limit_counts_bytes_not_characters(world: World) -> None:
    emoji = "\N{GRINNING FACE}" * 17_000  # 17,000 characters, 68,000 bytes
    raw = json.dumps({**NEW, "abstract": emoji}, ensure_ascii=False)
    assert len(raw) < 64 * 1024 < len(raw.encode())
    status, answer = call("POST", "/submissions", raw)
    assert (status, answer["error"]) == (413, "request_too_large")
    just_under = json.dumps({**NEW, "abstract": "\N{GRINNING FACE}" * 4_000}, ensure_ascii=False)
    assert call("POST", "/submissions", just_under)[0] == 201


def test_a_base64_body_is_measured_once_decoded(world: World) -> None:
    import base64

    event = http_event("POST", "/submissions", raw_body=base64.b64encode(b"x" * 50_000).decode())
    event["isBase64Encoded"] = True
    event["headers"]["content-type"] = "application/octet-stream"
    assert api.lambda_handler(event, FakeContext())["statusCode"] == 415
    event["body"] = base64.b64encode(b"x" * 70_000).decode()
    assert api.lambda_handler(event, FakeContext())["statusCode"] == 413


DEEP = "[" * 1100 + "]" * 1100


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/submissions"),
        ("POST", "/organizers/sign-in"),
        ("POST", "/organizers/session"),
        ("GET", "/call"),
    ],
)
def test_a_body_that_nests_too_deeply_is_a_field_error_on_every_route(
    world: World, method: str, path: str
) -> None:
    """A JSON parser recurses once per bracket: a few kilobytes of brackets would exhaust Python's stack
    (a RecursionError, a 500) if the body were parsed; it is refused before any parse."""
    status, answer = call(method, path, DEEP)
    assert (status, answer["error"]) == (422, "invalid_request"), answer
    assert answer["fields"] == [{"field": "body", "problem": "the body nests too deeply (at most 32 levels)"}]
    brackets = "[{" * 100  # in text, not nesting
    wrapped = json.dumps({**NEW, "title": brackets, "authors": [{"name": "Ada", "affiliation": brackets}]})
    assert call("POST", "/submissions", wrapped)[0] == 201


@pytest.mark.parametrize("body", [DEEP, json.dumps({"submission_ids": "all", "outcome": "maybe"}), "{"])
def test_an_organizers_request_without_a_session_is_refused_before_its_body_is_judged(
    world: World, body: str
) -> None:
    """Whoever is not signed in learns nothing of a console route's rules from its field errors."""
    status, answer = call("POST", "/organizers/decisions", body)
    assert (status, answer["error"]) == (401, "not_signed_in"), answer
    assert "fields" not in answer


def test_a_deep_body_about_one_submission_is_refused_after_the_token_is_checked(world: World) -> None:
    wiring.use_clock(world.clock)
    created = call("POST", "/submissions", as_json(NEW))[1]
    path = f"/submissions/{created['id']}"
    deep_object = '{"title":' * 40 + '"x"' + "}" * 40
    assert call("PATCH", path, deep_object)[0] == 401
    status, answer = call("PATCH", path, deep_object, token=created["token"])
    assert (status, [f["field"] for f in answer["fields"]]) == (422, ["body"])


def test_a_deep_base64_body_is_judged_once_decoded(world: World) -> None:
    import base64

    event = http_event("POST", "/organizers/sign-in", raw_body=base64.b64encode(DEEP.encode()).decode())
    event["isBase64Encoded"] = True
    response = api.lambda_handler(event, FakeContext())
    assert response["statusCode"] == 422
    assert json.loads(response["body"])["fields"][0]["field"] == "body"
