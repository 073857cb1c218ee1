"""Releases of decisions through ``cfp local``: three organizers release at once, and every author gets one
decision mail, the digests count each once, and the stack settles (no mail left waiting out a visibility
timeout)."""

from __future__ import annotations

import email
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.running import RunningStack
from tests.support.stories import submission, text_of, wait_for

pytestmark = pytest.mark.slow

ORGANIZERS = ["chair@example.org", "cochair@example.org", "pc@example.org"]
AUTHORS = 12


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    running = RunningStack(
        tmp_path_factory.mktemp("releases"), "--param", f"OrganizerEmails={','.join(ORGANIZERS)}"
    )
    try:
        yield running
    finally:
        assert running.stop() == 0, running.output()[-4000:]


def messages(paths: set[Path]) -> list[Message]:
    return [email.message_from_bytes(p.read_bytes()) for p in sorted(paths)]


def session(stack: RunningStack, who: str) -> requests.Session:
    """A signed-in organizer: a link asked for, read from the outbox and exchanged for the cookie."""
    before = set(stack.mails())
    assert (
        requests.post(f"{stack.api}/organizers/sign-in", json={"email": who}, timeout=30).status_code == 202
    )

    def link() -> str | None:
        for message in messages(set(stack.mails()) - before):
            if message["To"] == who and "Sign in" in str(message["Subject"]):
                found = re.search(r"/organizers#signin=(\S+)", text_of(message))
                return found.group(1) if found else None
        return None

    secret = wait_for(link, 30, f"a sign-in link for {who}")
    browser = requests.Session()
    answer = browser.post(f"{stack.api}/organizers/session", json={"secret": secret}, timeout=30)
    assert answer.status_code == 200, answer.text
    # The cookie is Secure; the local stack is plain HTTP, so it is sent by hand.
    browser.headers["Cookie"] = answer.headers["Set-Cookie"].split(";")[0]
    return browser


def test_three_releases_at_once_mail_each_decision_once_and_the_stack_settles(stack: RunningStack) -> None:
    ids = []
    for n in range(AUTHORS):
        created = requests.post(f"{stack.api}/submissions", json=submission(n), timeout=30)
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    organizers = [session(stack, who) for who in ORGANIZERS]
    chair = organizers[0]
    decided = chair.post(
        f"{stack.api}/organizers/decisions", json={"ids": ids, "decision": "accepted"}, timeout=30
    )
    assert decided.status_code == 200, decided.text
    stack.settle()
    before = set(stack.mails())

    def preview(browser: requests.Session) -> str:
        answer = browser.post(f"{stack.api}/organizers/releases", timeout=30)
        assert answer.status_code == 201, answer.text
        assert answer.json()["pending"] == AUTHORS
        return str(answer.json()["release_id"])

    previews = [preview(browser) for browser in organizers]

    def send(pair: tuple[requests.Session, str]) -> dict[str, Any]:
        browser, release_id = pair
        answer = browser.post(f"{stack.api}/organizers/releases/{release_id}/send", timeout=30)
        assert answer.status_code == 202, answer.text
        return dict(answer.json())

    with ThreadPoolExecutor(len(organizers)) as pool:
        started = list(pool.map(send, zip(organizers, previews, strict=True)))
    assert all(view["state"] == "queued" for view in started)
    stack.settle(timeout=60)

    views = [chair.get(f"{stack.api}/organizers/releases/{r}", timeout=30).json() for r in previews]
    assert all(view["state"] == "done" for view in views), views
    reported = [submission_id for view in views for submission_id in view["sent"]]
    assert sorted(reported) == sorted(ids)
    new = messages(set(stack.mails()) - before)
    decisions = [m for m in new if "Accepted" in str(m["Subject"])]
    assert sorted(str(m["To"]) for m in decisions) == sorted(f"author{n}@example.org" for n in range(AUTHORS))
    counted = 0
    for digest in (m for m in new if "Digest" in str(m["Subject"])):
        found = re.search(r"Decisions sent to authors \((\d+)\)", text_of(digest))
        counted += int(found.group(1)) if found else 0
    assert counted == AUTHORS
