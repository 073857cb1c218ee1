"""The final phase through ``cfp local``: an accepted author's posters checked (one-page A0 portrait passes,
A4 portrait passes with the scaled-print note, landscape and two pages fail with their fix), a rejected
author refused, and the final deadline keeping its reminders, its last second and its digest."""

from __future__ import annotations

import contextlib
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from cfp.deadline import SETTLE
from cfp_tools import admin as cfp_admin
from cfp_tools.posters import SHAPES, PosterLayout, make_poster
from tests.support.running import RunningStack
from tests.support.stories import read, submission, upload, wait_for

pytestmark = pytest.mark.slow


def admin(stack: RunningStack, *arguments: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        assert cfp_admin.main([*arguments, "--local", "--api-url", stack.api], out) == 0, err.getvalue()
    return out.getvalue()


def final_upload(stack: RunningStack, created: dict[str, Any], kind: str, data: bytes) -> dict[str, Any]:
    """Upload a final file and wait for its verdict; the final phase as it then stands."""
    asked = requests.post(
        f"{stack.api}/submissions/{created['id']}/final-upload-url",
        json={"kind": kind},
        headers={"Authorization": f"Bearer {created['token']}"},
        timeout=30,
    )
    assert asked.status_code == 201, asked.text
    ticket = asked.json()["upload"]
    assert upload(ticket, data).status_code == 204

    def judged() -> dict[str, Any] | None:
        final: dict[str, Any] = read(stack, created)["final"]
        mine = [u for u in final["uploads"] if u["version"] == ticket["version"] and u["verdict"]]
        return final if mine else None

    found: dict[str, Any] = wait_for(judged, 60, f"the {kind}'s verdict")
    return found


def test_posters_are_checked_and_the_final_deadline_holds_through_the_local_stack(tmp_path: Path) -> None:
    deadline = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    final_deadline = deadline + timedelta(days=10)
    stack = RunningStack(
        tmp_path,
        "--deadline",
        deadline.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "--param",
        f"FinalDeadline={final_deadline.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "--param",
        "DigestWindowSeconds=2",
    )
    try:
        accepted = requests.post(f"{stack.api}/submissions", json=submission(1), timeout=30).json()
        rejected = requests.post(f"{stack.api}/submissions", json=submission(2), timeout=30).json()
        admin(stack, "decide", accepted["id"], "--accept")
        admin(stack, "decide", rejected["id"], "--reject")
        admin(stack, "send-decisions")
        wait_for(lambda: read(stack, accepted)["final"], 60, "the final phase to open")

        cases = [
            (PosterLayout(size=SHAPES["A0 landscape"]), "fail", "poster_orientation"),
            (PosterLayout(pages=2), "fail", "poster_pages"),
            (PosterLayout(size=SHAPES["A4 portrait"]), "pass", None),
            (PosterLayout(), "pass", None),
        ]
        for layout, outcome, code in cases:
            final = final_upload(stack, accepted, "poster", make_poster(layout))
            newest = final["uploads"][-1]["verdict"]
            assert newest["outcome"] == outcome
            assert [p["code"] for p in newest["problems"]] == ([code] if code else [])
            if layout.size == SHAPES["A4 portrait"]:
                assert "printed scaled to 841 \u00d7 1189 mm" in newest["notes"][0]
        assert final["poster"]["verdict"]["outcome"] == "pass" and "poster" not in final["missing"]

        # Consent to publish the poster: the published program links to it, and the link gives that PDF.
        consented = requests.put(
            f"{stack.api}/submissions/{accepted['id']}/final",
            json={"presenter": "Author 1", "publish_abstract": True, "publish_poster": True},
            headers={"Authorization": f"Bearer {accepted['token']}"},
            timeout=30,
        )
        assert consented.status_code == 200, consented.text
        assert read(stack, accepted)["public_listing"]["pdfs"] == ["poster"], "no final abstract yet"
        assert "published" in admin(stack, "program", "publish")
        [poster] = requests.get(f"{stack.api}/program.json", timeout=30).json()["posters"]
        assert (poster["abstract_pdf"], poster["poster_pdf"]) == (
            None,
            f"/program/posters/{accepted['id']}/poster.pdf",
        )
        followed = requests.get(f"{stack.api}{poster['poster_pdf']}", timeout=30)
        assert followed.status_code == 200 and followed.content.startswith(b"%PDF"), followed.status_code
        assert followed.history and followed.history[0].status_code == 302

        refused = requests.post(
            f"{stack.api}/submissions/{rejected['id']}/final-upload-url",
            json={"kind": "poster"},
            headers={"Authorization": f"Bearer {rejected['token']}"},
            timeout=30,
        )
        assert refused.status_code == 409 and refused.json()["error"] == "not_accepted"

        def fire(at: datetime) -> dict[str, int]:
            answer = requests.post(
                f"{stack.api}/_local/schedules/DeadlineFunction", params={"at": at.isoformat()}, timeout=60
            ).json()
            result: dict[str, int] = answer["result"]
            return result

        assert fire(final_deadline - timedelta(hours=2))["final_reminders"] == 1
        reminder = stack.await_mail("Still missing", timeout=60)
        assert b"the final abstract" in reminder.read_bytes()

        stack.move_clock(final_deadline + timedelta(seconds=1.5))
        closed = requests.post(
            f"{stack.api}/submissions/{accepted['id']}/final-upload-url",
            json={"kind": "abstract"},
            headers={"Authorization": f"Bearer {accepted['token']}"},
            timeout=30,
        )
        assert closed.status_code == 409 and closed.json()["error"] == "final_closed"
        assert fire(final_deadline + SETTLE + timedelta(seconds=1))["finals_closed"] == 1
        digest = stack.await_mail("Final versions closed", timeout=60)
        assert b"0 of 1 posters complete" in digest.read_bytes()
    finally:
        assert stack.stop() == 0, stack.output()[-4000:]
