"""Whole stories through ``cfp local`` with the real template and handlers: a burst of thirty submissions,
and an operator's extension (the deadline passing has a file of its own)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import Message

import pytest
import requests

from cfp_tools.pdfs import make_abstract
from tests.support.running import CFP, RunningStack
from tests.support.stories import decoded, parse, read, submission, text_of, upload, wait_for

pytestmark = pytest.mark.slow


# The notifier's batching window for these stacks: long enough that a burst is a few digests, short enough
# that the tests need not wait the deployed minute (the template's default has its own test).
WINDOW = 10


@pytest.fixture(scope="module")
def open_call(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    deadline = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    workdir = tmp_path_factory.mktemp("open-call")
    stack = RunningStack(workdir, "--deadline", deadline, "--param", f"DigestWindowSeconds={WINDOW}")
    yield stack
    assert stack.stop() == 0


def test_thirty_submissions_in_a_minute(open_call: RunningStack) -> None:
    open_call.settle()  # the mails of whatever the stack did before are all out
    before = set(open_call.mails())
    created = []
    for i in range(30):
        response = requests.post(f"{open_call.api}/submissions", json=submission(i), timeout=30)
        assert response.status_code == 201, response.text
        body = response.json()
        pdf = make_abstract(3 if i % 10 == 0 else 2)
        assert upload(body["upload"], pdf).status_code == 204
        created.append(body)

    def author_mails() -> list[Message]:
        mails = [parse(p) for p in open_call.mails() if "author" in p.name]
        return [m for m in mails if any(body["id"] in str(m["Subject"]) for body in created)]

    wait_for(lambda: len(author_mails()) >= 60, 240, "a receipt and a verdict for each of thirty authors")
    # A duplicate would come of an event still pending: wait until none is before counting.
    open_call.settle()
    mails = author_mails()
    assert len(mails) == 60
    for body in created:
        subjects = [str(m["Subject"]) for m in mails if body["id"] in str(m["Subject"])]
        assert len(subjects) == 2
        assert any("Received" in s for s in subjects) and any("Format check" in s for s in subjects)
    digests = [parse(p) for p in set(open_call.mails()) - before if "organizers" in p.name]
    assert 1 <= len(digests) <= 4
    named = "".join(text_of(d) + "".join(decoded(p) for p in d.walk() if p.get_filename()) for d in digests)
    assert all(body["id"] in named for body in created)
    states = [read(open_call, b)["status"] for b in created]
    assert states.count("fail") == 3 and states.count("pass") == 27


def test_an_operator_grants_an_extension_on_the_local_stack(open_call: RunningStack) -> None:
    created = requests.post(f"{open_call.api}/submissions", json=submission(7), timeout=30).json()
    until = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)

    def extend(submission_id: str) -> subprocess.CompletedProcess[str]:
        command = [*CFP, "extend", submission_id, "--until", until.isoformat(), "--by", "chair"]
        return subprocess.run(
            [*command, "--local", open_call.api], capture_output=True, text=True, timeout=60, check=False
        )

    granted = extend(created["id"])
    assert granted.returncode == 0, granted.stderr
    assert f"{created['id']}: open until" in granted.stdout
    assert datetime.fromisoformat(read(open_call, created)["deadline"]) == until
    unknown = extend("nosuchid00")
    assert unknown.returncode == 1 and "no submission nosuchid00" in unknown.stderr
