"""The organizers' API fuzzed (see ``fuzzing.py``) signed in as an organizer, with a judged submission and
an archive job on record for the routes behind an id, beside the authors' API in a file of its own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from cfp_tools.pdfs import make_abstract
from tests.support.fuzzing import ORGANIZERS, fuzz, fuzzed_stack, organizer_session
from tests.support.stories import read, submission, upload, wait_for

pytestmark = pytest.mark.slow


def test_schemathesis_finds_nothing_in_the_organizers_api(tmp_path: Path) -> None:
    stack = fuzzed_stack(tmp_path)
    try:
        session = organizer_session(stack)
        created = requests.post(f"{stack.api}/submissions", json=submission(1), timeout=30).json()
        assert upload(created["upload"], make_abstract(2)).status_code == 204
        wait_for(lambda: read(stack, created)["verdict"], 60, "the upload's verdict")
        job = requests.post(
            f"{stack.api}/organizers/archives",
            json={"include_late": False},
            cookies={"cfp_organizer": session},
            timeout=30,
        ).json()
        on_record = {
            "submission_id": created["id"],
            "version": "1",
            "job_id": job["id"],
            "queue": "validation",
        }
        # No link leads from one organizers' route to another, so there is no stateful phase to run.
        phases = ("--phases", "examples,coverage,fuzzing")
        # Signing out ends the session on the server, so it is fuzzed last, once everything else has run.
        served = fuzz(
            stack,
            tmp_path,
            "--include-path-regex",
            ORGANIZERS,
            "--exclude-operation-id",
            "close_session_organizers_session_delete",
            *phases,
            organizer_session=session,
            path_parameters=on_record,
        )
        served += fuzz(
            stack,
            tmp_path,
            "--include-operation-id",
            "close_session_organizers_session_delete",
            *phases,
            organizer_session=session,
        )
    finally:
        assert stack.stop() == 0, stack.output()[-4000:]
    for signed_in in (
        r"GET /organizers/submissions",
        r"POST /organizers/archives",
        r"GET /organizers/export",
        rf"GET /organizers/submissions/{created['id']}",
        rf"GET /organizers/archives/{job['id']}",
    ):
        assert re.search(rf"{signed_in}\S* -> 2\d\d", served), (
            f"{signed_in} never answered a signed-in request"
        )
    assert not re.search(r" /submissions", served), "the authors' API is fuzzed in its own file"
