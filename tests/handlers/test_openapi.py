"""The committed OpenAPI document is the one the API serves; regenerate it with
``.venv/bin/python -m tests.handlers.test_openapi`` after changing a route or a model."""

from __future__ import annotations

import json
import os

from tests.support.aws import ROOT, FakeContext, http_event, load_function

COMMITTED = ROOT / "openapi.json"


def _environment() -> None:
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")


def served() -> dict[str, object]:
    _environment()
    document: dict[str, object] = json.loads(load_function("api").openapi_json())
    return document


def test_committed_document_matches_the_api() -> None:
    assert json.loads(COMMITTED.read_text()) == served(), (
        "openapi.json is out of date: run .venv/bin/python -m tests.handlers.test_openapi"
    )


def test_document_is_served_over_http() -> None:
    response = load_function("api").lambda_handler(http_event("GET", "/openapi.json"), FakeContext())
    assert response["statusCode"] == 200
    document = json.loads(response["body"])
    assert set(document["paths"]) == {
        "/call",
        "/submissions",
        "/submissions/{submission_id}",
        "/submissions/{submission_id}/upload-url",
        "/submissions/{submission_id}/final-upload-url",
        "/submissions/{submission_id}/final",
        "/organizers/finals",
        "/organizers/finals/mail-missing",
        "/organizers/finals/extensions",
        "/organizers/submissions/{submission_id}/finals/{number}/link",
        "/program/posters/{submission_id}/{name}",
        "/organizers/sign-in",
        "/organizers/session",
        "/organizers/submissions",
        "/organizers/submissions/{submission_id}",
        "/organizers/submissions/{submission_id}/versions/{version}/link",
        "/organizers/submissions/{submission_id}/resend",
        "/organizers/submissions/{submission_id}/review",
        "/organizers/submissions/{submission_id}/conflict",
        "/organizers/submissions/{submission_id}/comments",
        "/organizers/decisions",
        "/organizers/decisions/{job_id}",
        "/organizers/releases",
        "/organizers/releases/{release_id}",
        "/organizers/releases/{release_id}/send",
        "/organizers/extensions",
        "/organizers/dead-letters",
        "/organizers/dead-letters/{queue}",
        "/organizers/dead-letters/{queue}/redrive",
        "/organizers/archives",
        "/organizers/archives/{job_id}",
        "/organizers/archives/{job_id}/link",
        "/organizers/export",
        "/organizers/program/preview",
        "/organizers/program/publish",
        "/organizers/submissions/{submission_id}/board",
        "/program",
        "/program.json",
        "/program.csv",
        "/program.ics",
    }


if __name__ == "__main__":
    COMMITTED.write_text(json.dumps(served(), indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {COMMITTED}")
