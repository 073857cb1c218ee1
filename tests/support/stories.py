"""What the tests that drive ``cfp local`` share: a submission's body, an upload through its presigned
POST, reading it back with its token, the mails in the outbox, and waiting on a condition."""

from __future__ import annotations

import email
import time
from email.message import Message
from pathlib import Path
from typing import Any

import requests

from tests.support.running import RunningStack


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


def decoded(part: Message) -> str:
    """A MIME part's payload as text, its transfer encoding undone."""
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes), part.get_content_type()
    return payload.decode()


def text_of(message: Message) -> str:
    parts = [p for p in message.walk() if p.get_content_type() == "text/plain" and not p.get_filename()]
    return decoded(parts[0])


def html_of(message: Message) -> str:
    return decoded(next(p for p in message.walk() if p.get_content_type() == "text/html"))


def wait_for(condition: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")
