"""``cfp admin`` end to end against ``cfp local``: list, show, stats, export, download, decide,
send-decisions (once), extend, resend, redrive and reconcile, and clear errors without a stack.

The commands against the stack run in this process through ``cfp admin``'s ``main`` (an interpreter and its
imports for each of twenty commands would be most of this file's time); the clear-errors test runs the
installed command in its own process, as an operator does."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from cfp_tools import admin as cfp_admin
from cfp_tools.pdfs import make_abstract
from tests.support.running import CFP, RunningStack
from tests.support.stories import read, upload, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    running = RunningStack(tmp_path_factory.mktemp("admin"))
    try:
        yield running
    finally:
        assert running.stop() == 0, running.output()[-4000:]


def create(stack: RunningStack, n: int, title: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": title,
        "authors": [{"name": f"Admin Author{n}", "email": f"admin{n}@example.org"}],
        "contact_email": f"admin{n}@example.org",
        "abstract": "An abstract.",
    }
    response = requests.post(f"{stack.api}/submissions", json=body, timeout=30)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def upload_and_wait(stack: RunningStack, created: dict[str, Any], body_pages: int) -> None:
    assert upload(created["upload"], make_abstract(body_pages=body_pages)).status_code == 204
    wait_for(lambda: read(stack, created)["verdict"], 60, f"a verdict for {created['id']}")


@pytest.fixture(scope="module")
def made(stack: RunningStack) -> list[dict[str, Any]]:
    made = [
        create(stack, 1, "=Formula Title"),
        create(stack, 2, "Two Pages"),
        create(stack, 3, "Nothing yet"),
    ]
    upload_and_wait(stack, made[0], 1)
    upload_and_wait(stack, made[1], 3)
    return made


@dataclass(frozen=True)
class Ran:
    """What one ``cfp admin`` command did: its exit status and what it wrote."""

    returncode: int
    stdout: str
    stderr: str


def admin(stack: RunningStack, *arguments: str) -> Ran:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            status = cfp_admin.main([*arguments, "--local", "--api-url", stack.api], out)
        except SystemExit as exit_:
            status = int(exit_.code or 0)
    return Ran(status, out.getvalue(), err.getvalue())


def ok(stack: RunningStack, *arguments: str) -> str:
    done = admin(stack, *arguments)
    assert done.returncode == 0, (arguments, done.stdout, done.stderr)
    return done.stdout


def test_reading_listing_exporting_and_downloading(
    stack: RunningStack, made: list[dict[str, Any]], tmp_path: Path
) -> None:
    listed = ok(stack, "list")
    assert "3 submissions" in listed
    assert made[0]["id"] in listed and "pass" in listed and "fail" in listed
    shown = ok(stack, "show", made[1]["id"])
    assert "Two Pages" in shown and "too_many_body_pages" in shown and "on record" in shown
    stats = ok(stack, "stats")
    assert "3 submissions" in stats and "dead letters in validation: 0" in stats

    # The export writes its bytes to standard output itself, so this one runs as its own process.
    exported = subprocess.run(
        [*CFP, "admin", "export", "--format", "csv", "--local", "--api-url", stack.api],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert {r["title"] for r in rows} == {"'=Formula Title", "Two Pages", "Nothing yet"}
    out = tmp_path / "all.json"
    ok(stack, "export", "--format", "json", "--out", str(out))
    assert len(json.loads(out.read_text())["submissions"]) == 3

    folder = tmp_path / "pdfs"
    done = admin(stack, "download", str(folder))
    assert done.returncode == 0, done.stderr
    assert "2/2" in done.stderr, "a progress bar"
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted([f"{made[0]['id']} - =Formula Title.pdf", f"{made[1]['id']} - Two Pages.pdf"])
    assert all(p.read_bytes().startswith(b"%PDF") for p in folder.iterdir())


def test_deciding_and_sending_once(stack: RunningStack, made: list[dict[str, Any]]) -> None:
    ok(stack, "decide", made[0]["id"], "--accept", "--note", "See you in Shanghai.")
    ok(stack, "decide", made[1]["id"], "--reject")
    unknown = admin(stack, "decide", "nosuchid00", "--accept")
    assert unknown.returncode == 1 and "no submission nosuchid00" in unknown.stderr
    preview = ok(stack, "send-decisions", "--dry-run")
    assert "2 decision mails (0 corrections, 1 undecided)" in preview
    assert "See you in Shanghai." in preview
    release_id = preview.split("--release ")[1].split()[0]
    sent = ok(stack, "send-decisions", "--release", release_id)
    assert f"release {release_id}: done, 2 of 2 gone through, 2 sent" in sent
    again = admin(stack, "send-decisions", "--release", release_id)
    assert again.returncode == 1 and "was started already" in again.stderr
    assert "0 decision mails" in ok(stack, "send-decisions")
    assert f"release {release_id}: done" in ok(stack, "release-status", release_id)
    shown = ok(stack, "show", made[0]["id"])
    assert "accepted by operator" in shown and "(mailed)" in shown


def test_extending_resending_redriving_and_reconciling(
    stack: RunningStack, made: list[dict[str, Any]]
) -> None:
    until = (datetime.now(UTC) + timedelta(days=40)).replace(microsecond=0)
    granted = ok(stack, "extend", made[2]["id"], "--until", until.isoformat(), "--by", "chair")
    assert f"{made[2]['id']}: open until" in granted and "granted by chair" in granted
    assert "queued verdict" in ok(stack, "resend", made[1]["id"], "verdict")
    missing = admin(stack, "resend", made[2]["id"], "verdict")
    assert missing.returncode == 1 and "no verdict on record" in missing.stderr
    assert "0 messages in the validation dead-letter queue" in ok(stack, "redrive", "validation")

    resources = requests.get(f"{stack.api}/_local/resources", timeout=10).json()
    sqs = stack.client("sqs")
    dead = resources["resources"]["NotificationDeadLetterQueue"]
    event = {
        "kind": "withdrawn",
        "event_id": "withdrawn:nosuchid00",
        "occurred_at": "2026-01-01T00:00:00Z",
        "submission_id": "nosuchid00",
    }
    sqs.send_message(QueueUrl=dead, MessageBody=json.dumps(event))
    shown = ok(stack, "redrive", "notification", "--dry-run")
    assert "1 messages in the notification dead-letter queue" in shown
    assert "the withdrawn mail for submission nosuchid00" in shown
    assert "moved 1 back to the notification queue" in ok(stack, "redrive", "notification")

    assert "0 things off" in ok(stack, "reconcile")


def test_clear_errors_without_a_stack_or_credentials(tmp_path: Path) -> None:
    nowhere = subprocess.run(
        [*CFP, "admin", "list", "--local", "--api-url", "http://127.0.0.1:9"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert nowhere.returncode == 1 and "no cfp local at http://127.0.0.1:9" in nowhere.stderr
    untargeted = subprocess.run(
        [*CFP, "admin", "list"], capture_output=True, text=True, timeout=60, check=False
    )
    assert untargeted.returncode == 2 and "--stack NAME or --local" in untargeted.stderr
    bare = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_REGION": "us-east-1",
    }
    uncredentialed = subprocess.run(
        [*CFP, "admin", "list", "--stack", "cfp-prod"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=bare,
    )
    assert uncredentialed.returncode == 1 and "no AWS credentials" in uncredentialed.stderr
