"""End to end on the local stack: an author submits, uploads a PDF, gets a verdict and a mail."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default
from typing import Any

import pytest
import requests

from cfp_tools.pdfs import make_abstract
from tests.support.running import RunningStack

pytestmark = pytest.mark.slow

CONTACT = "ada@uni.example"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    deadline = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0).isoformat()
    running = RunningStack(
        tmp_path_factory.mktemp("e2e"), "--deadline", deadline, "--param", "DigestWindowSeconds=2"
    )
    try:
        yield running
    finally:
        assert running.stop() == 0, running.output()[-4000:]


def _create(stack: RunningStack, contact: str = CONTACT) -> dict[str, Any]:
    submission: dict[str, Any] = {
        "title": "Warm starts for a serverless call for posters",
        "authors": [{"name": "Ada Lovelace", "email": contact, "affiliation": "Analytical Engines"}],
        "contact_email": contact,
        "abstract": "We measure how quickly a call for posters answers its authors.",
    }
    response = requests.post(f"{stack.api}/submissions", json=submission, timeout=30)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    assert {"id", "token", "status", "upload"} <= set(created)
    assert {"url", "fields", "expires_at", "max_bytes"} <= set(created["upload"])
    return created


def _upload(upload: dict[str, Any], pdf: bytes, origin: str | None = None) -> requests.Response:
    """A browser-style POST: the signed fields first, the file last."""
    return requests.post(
        upload["url"],
        data=upload["fields"],
        files={"file": ("abstract.pdf", pdf, "application/pdf")},
        headers={"Origin": origin} if origin else {},
        timeout=60,
    )


def test_submit_upload_verdict_and_mail(stack: RunningStack) -> None:
    started = time.monotonic()
    created = _create(stack)
    assert created["upload"]["url"].startswith(stack.s3)
    uploaded = _upload(created["upload"], make_abstract(body_pages=1))
    assert uploaded.status_code in {200, 201, 204}, uploaded.text
    headers = {"Authorization": f"Bearer {created['token']}"}
    view: dict[str, Any] = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        response = requests.get(f"{stack.api}/submissions/{created['id']}", headers=headers, timeout=30)
        assert response.status_code == 200, response.text
        view = response.json()
        if view.get("verdict") is not None:
            break
        time.sleep(0.25)
    assert view.get("verdict") is not None, stack.output()[-4000:]
    assert view["verdict"]["outcome"] == "pass", view["verdict"]
    verdict_seconds = time.monotonic() - started
    # The notifier's event source gathers messages for up to its batching window before it runs.
    mail_path = stack.await_mail(f"To: {CONTACT}", timeout=150)
    mail = message_from_bytes(mail_path.read_bytes(), policy=default)
    assert CONTACT in str(mail["To"]) and created["id"] in str(mail["Subject"])
    print(
        f"\nstartup {stack.startup_seconds:.1f} s, verdict after {verdict_seconds:.1f} s, "
        f"mail after {time.monotonic() - started:.1f} s"
    )


def test_an_oversized_upload_is_refused_like_s3(stack: RunningStack) -> None:
    upload = _create(stack)["upload"]
    response = _upload(upload, b"%PDF-1.4\n" + b"0" * upload["max_bytes"], origin="https://posters.example")
    assert response.status_code == 400
    assert "<Code>EntityTooLarge</Code>" in response.text
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_an_upload_under_another_key_is_refused_like_s3(stack: RunningStack) -> None:
    upload = _create(stack)["upload"]
    fields = {**upload["fields"], "key": upload["fields"]["key"].replace("/v1", "/v9")}
    response = _upload({**upload, "fields": fields}, make_abstract(body_pages=1))
    assert response.status_code == 403
    assert "Policy Condition failed" in response.text


def test_concurrent_creates_all_succeed_without_a_server_error(stack: RunningStack) -> None:
    # A filled table (records no submission reads), then every API worker creating at once: each create is
    # a transaction on that table, and moto's server runs each request on a thread of its own.
    table = requests.get(f"{stack.api}/_local/resources", timeout=10).json()["resources"]["SubmissionsTable"]
    dynamodb = stack.client("dynamodb")
    for start in range(0, 3000, 25):
        filler = [
            {"PutRequest": {"Item": {"pk": {"S": f"FILLER#{i}"}, "sk": {"S": "FILLER"}}}}
            for i in range(start, start + 25)
        ]
        dynamodb.batch_write_item(RequestItems={table: filler})
    with ThreadPoolExecutor(max_workers=8) as pool:
        created = list(pool.map(lambda i: _create(stack, f"author{i}@uni.example"), range(40)))
    assert len({submission["id"] for submission in created}) == 40
    output = stack.output()
    assert "Traceback" not in output, output[output.index("Traceback") - 200 :][:3000]


def test_a_bounce_reported_by_cfp_bounce_reaches_the_digest(stack: RunningStack) -> None:
    from cfp_tools.bounce import main as bounce

    created = _create(stack, contact="gone@uni.example")
    stack.settle()
    assert bounce(["gone@uni.example", "--api-url", stack.api]) == 0
    stack.settle()
    texts = []
    for path in stack.mails():
        mail = message_from_bytes(path.read_bytes(), policy=default)
        body = mail.get_body(("plain",))
        texts.append(body.get_content() if body is not None else "")
    [digest] = [t for t in texts if "gone@uni.example: hard bounce" in t]
    assert created["id"] in digest and "no more mail goes to it" in digest
