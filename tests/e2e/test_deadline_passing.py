"""A deadline that passes while ``cfp local`` runs: the upload URL lasts through its last second, the call
refuses new submissions after it, a late upload is kept and marked, and the call closes once, with its
reminder, confirmations and final digest.

The test moves the stack's clock past the deadline instead of waiting for it, as every function, moto
(which stamps the late upload) and the S3 front (which checks the URL's expiry) read that clock.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from cfp.deadline import SETTLE
from cfp_tools.pdfs import make_abstract
from tests.support.running import RunningStack
from tests.support.stories import decoded, parse, read, submission, upload, wait_for

pytestmark = pytest.mark.slow


def test_a_deadline_passing_while_the_stack_runs(tmp_path: Path) -> None:
    deadline = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
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

        stack.move_clock(deadline + timedelta(seconds=1.5))
        refused = requests.post(f"{stack.api}/submissions", json=submission(3), timeout=30)
        assert refused.status_code == 403
        assert refused.json()["closed_at"] == deadline.isoformat()
        expired = upload(quiet["upload"], make_abstract(1))
        assert expired.status_code == 403 and b"Policy expired" in expired.content

        s3 = stack.client("s3")
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
        assert closed["result"] == {
            "reminders": 0,
            "confirmations": 2,
            "call_closed": 1,
            "final_reminders": 0,
            "finals_closed": 0,
        }

        final = wait_for(
            lambda: [p for p in stack.mails() if b"Final digest" in p.read_bytes()], 180, "the final digest"
        )
        csv_part = next(p for p in parse(final[0]).walk() if p.get_filename() == "submissions.csv")
        rows = decoded(csv_part).splitlines()
        assert len(rows) == 3

        # Two notifiers may run at once, so the confirmations can land just after the final digest.
        def subjects() -> list[str]:
            return [str(parse(p)["Subject"]) for p in stack.mails()]

        wait_for(lambda: sum("Call closed, on record" in s for s in subjects()) >= 2, 60, "two confirmations")
        assert any("Reminder" in s and quiet["id"] in s for s in subjects())
        assert any("Late upload" in s and quiet["id"] in s for s in subjects())
        stack.settle()  # a duplicate would come of an event still pending
        assert sum("Call closed, on record" in s for s in subjects()) == 2
    finally:
        assert stack.stop() == 0
