"""Whole stories through ``cfp local`` with the real template and handlers: a burst of thirty submissions,
and a deadline that passes while the stack runs."""

from __future__ import annotations

import email
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from cfp_tools.pdfs import make_abstract
from tests.infra.running import CFP, RunningStack

# The call settles 15 minutes after its cutoff before it closes (stated here, not imported).
SETTLE = timedelta(minutes=15)

pytestmark = pytest.mark.slow


def submission(i: int) -> dict[str, Any]:
    return {
        "title": f"Poster {i:02d}: Scheduling Inference on Shared GPUs",
        "authors": [{"name": f"Author {i}", "email": f"author{i}@example.org", "affiliation": "Lab"}],
        "contact_email": f"author{i}@example.org",
        "abstract": "We share GPUs between inference jobs.",
    }


def upload(ticket: dict[str, Any], data: bytes) -> requests.Response:
    files = {
        **{k: (None, v) for k, v in ticket["fields"].items()},
        "file": ("abstract.pdf", data, "application/pdf"),
    }
    return requests.post(ticket["url"], files=files, timeout=30)


def read(stack: RunningStack, created: dict[str, Any]) -> dict[str, Any]:
    response = requests.get(
        f"{stack.api}/submissions/{created['id']}",
        headers={"Authorization": f"Bearer {created['token']}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def parse(path: Path) -> Message:
    return email.message_from_bytes(path.read_bytes())


def text_of(message: Message) -> str:
    parts = [p for p in message.walk() if p.get_content_type() == "text/plain" and not p.get_filename()]
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def wait_for(condition: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


# The notifier's batching window for these stacks: long enough that a burst is a few digests, short enough
# that the tests need not wait the deployed minute (the template's default has its own test).
WINDOW = 10


@pytest.fixture
def open_call(tmp_path: Path) -> Iterator[RunningStack]:
    deadline = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    stack = RunningStack(tmp_path, "--deadline", deadline, "--param", f"DigestWindowSeconds={WINDOW}")
    yield stack
    assert stack.stop() == 0


def test_thirty_submissions_in_a_minute(open_call: RunningStack) -> None:
    created = []
    for i in range(30):
        response = requests.post(f"{open_call.api}/submissions", json=submission(i), timeout=30)
        assert response.status_code == 201, response.text
        body = response.json()
        pdf = make_abstract(3 if i % 10 == 0 else 2)
        assert upload(body["upload"], pdf).status_code == 204
        created.append(body)

    def author_mails() -> list[Message]:
        return [parse(p) for p in open_call.mails() if "author" in p.name]

    wait_for(lambda: len(author_mails()) >= 60, 240, "a receipt and a verdict for each of thirty authors")
    # A duplicate would come a whole batching window later: wait for it to close before counting.
    time.sleep(WINDOW + 3)
    mails = author_mails()
    assert len(mails) == 60
    for body in created:
        subjects = [m["Subject"] for m in mails if body["id"] in m["Subject"]]
        assert any("Received" in s for s in subjects) and any("Format check" in s for s in subjects)
    digests = [parse(p) for p in open_call.mails() if "organizers" in p.name]
    assert 1 <= len(digests) <= 4
    named = "".join(
        text_of(d) + "".join(p.get_payload(decode=True).decode() for p in d.walk() if p.get_filename())
        for d in digests
    )
    assert all(body["id"] in named for body in created)
    states = [read(open_call, b)["status"] for b in created]
    assert states.count("fail") == 3 and states.count("pass") == 27


def test_a_deadline_passing_while_the_stack_runs(tmp_path: Path) -> None:
    deadline = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=25)
    stack = RunningStack(
        tmp_path, "--deadline", deadline.strftime("%Y-%m-%dT%H:%M:%SZ"), "--param", "DigestWindowSeconds=2"
    )
    try:
        early = requests.post(f"{stack.api}/submissions", json=submission(1), timeout=30).json()
        quiet = requests.post(f"{stack.api}/submissions", json=submission(2), timeout=30).json()
        # The upload URL works through the deadline's whole last second and not a second longer.
        assert datetime.fromisoformat(early["upload"]["expires_at"]) <= deadline + timedelta(seconds=1)
        assert upload(early["upload"], make_abstract(2)).status_code == 204
        wait_for(lambda: read(stack, early)["verdict"], 60, "the on-time upload's verdict")

        reminded = requests.post(
            f"{stack.api}/_local/schedules/DeadlineFunction",
            params={"at": (deadline - timedelta(hours=2)).isoformat()},
            timeout=60,
        ).json()
        assert reminded["result"]["reminders"] == 1

        wait_for(lambda: datetime.now(UTC) > deadline + timedelta(seconds=1), 60, "the deadline")
        refused = requests.post(f"{stack.api}/submissions", json=submission(3), timeout=30)
        assert refused.status_code == 403
        assert refused.json()["closed_at"] == deadline.isoformat()
        expired = upload(quiet["upload"], make_abstract(1))
        assert expired.status_code == 403 and b"Policy expired" in expired.content

        s3 = boto3.client(
            "s3",
            endpoint_url=stack.aws,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        late_key = quiet["upload"]["fields"]["key"]
        bucket = re.search(r"/([^/]+)/?$", quiet["upload"]["url"].rstrip("/"))
        assert bucket is not None
        s3.put_object(
            Bucket=bucket.group(1), Key=late_key, Body=make_abstract(1), ContentType="application/pdf"
        )

        def late_version() -> bool:
            first = read(stack, quiet)["versions"][0]
            return bool(first["late"] and first["verdict"])

        wait_for(late_version, 60, "the late upload to be checked and marked")

        closed = requests.post(
            f"{stack.api}/_local/schedules/DeadlineFunction",
            params={"at": (deadline + SETTLE + timedelta(seconds=1)).isoformat()},
            timeout=60,
        ).json()
        assert closed["result"] == {"reminders": 0, "confirmations": 2, "call_closed": 1}

        final = wait_for(
            lambda: [p for p in stack.mails() if b"Final digest" in p.read_bytes()], 180, "the final digest"
        )
        csv_part = next(p for p in parse(final[0]).walk() if p.get_filename() == "submissions.csv")
        rows = csv_part.get_payload(decode=True).decode().splitlines()
        assert len(rows) == 3

        # Two notifiers may run at once, so the confirmations can land just after the final digest.
        def subjects() -> list[str]:
            return [str(parse(p)["Subject"]) for p in stack.mails()]

        wait_for(lambda: sum("Call closed, on record" in s for s in subjects()) >= 2, 60, "two confirmations")
        assert any("Reminder" in s and quiet["id"] in s for s in subjects())
        assert any("Late upload" in s and quiet["id"] in s for s in subjects())
        time.sleep(3)  # a duplicate would come a (2 s) batching window later
        assert sum("Call closed, on record" in s for s in subjects()) == 2
    finally:
        assert stack.stop() == 0


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
