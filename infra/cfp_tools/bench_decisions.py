"""Benchmark of deciding and releasing many decisions through ``cfp local``: `cfp bench-decisions -n 5000`.

Starts a ``cfp local`` (or targets a running one with ``--api-url`` and its ``--outbox``), writes N
submissions straight into its table (creating them through the API is ``cfp bench-e2e``'s business),
accepts every one in one decision, previews and starts one release, and waits for every decision mail.
It prints how long the decision, the release and the mails took, and exits non-zero unless every author
got exactly one decision mail.
"""

from __future__ import annotations

import argparse
import email
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cfp.bootstrap import build_releases
from cfp.model import Author, Submission
from cfp.table_items import to_item
from cfp_tools.admin import _local_target, adapters_of
from cfp_tools.bench_e2e import start_in_background

# The stack's sending rate for the benchmark: the deployed 7 a second would make 5,000 mails take 12
# minutes of waiting on the pacing alone, which measures SES's quota, not the release.
PARAMS = ["MailsPerSecond=1000", "DigestWindowSeconds=2"]


def seed(target: Any, table: str, n: int) -> list[str]:
    """N live submissions written straight into the table, 25 a request."""
    client = target.client("dynamodb")
    now = datetime.now(UTC)
    ids = [f"bench{index:06d}" for index in range(n)]
    for start in range(0, n, 25):
        writes = []
        for index in range(start, min(start + 25, n)):
            address = f"author{index}@example.org"
            submission = Submission(
                id=ids[index],
                title=f"Poster {index}: Scheduling Inference on Shared GPUs",
                authors=[Author(name=f"Author {index}", email=address, affiliation="Lab")],
                contact_email=address,
                abstract="We share GPUs between inference jobs.",
                token_hash="0" * 64,
                created_at=now,
                updated_at=now,
            )
            values = submission.model_dump(mode="json", exclude={"bounced"})
            values["authors"] = json.dumps(values["authors"])
            writes.append(
                {"PutRequest": {"Item": to_item({"pk": f"SUB#{ids[index]}", "sk": "META", **values})}}
            )
        request: dict[str, Any] = {table: writes}
        while request:
            request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
    return ids


def decision_mails(outbox: Path) -> Counter[str]:
    """Decision mails in the outbox, by recipient."""
    found: Counter[str] = Counter()
    for path in outbox.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes())
        if "Accepted:" in str(message["Subject"]):
            found[str(message["To"])] += 1
    return found


# How long the benchmark waits for the stack to send every mail; the stack's own settle wait is shorter,
# so it is asked again until this runs out.
SETTLE_LIMIT_SECONDS = 3600


def settled(api: str, wait: float) -> bool:
    """Whether the stack has nothing left to do within ``wait`` seconds, asking as often as it takes."""
    import requests

    ends = time.monotonic() + wait
    while True:
        left = max(ends - time.monotonic(), 0.0)
        answer = requests.get(f"{api}/_local/settled", params={"wait": left}, timeout=left + 60)
        if answer.json()["settled"] or left == 0.0:
            return bool(answer.json()["settled"])


def measure(api: str, outbox: Path, n: int) -> int:
    target = _local_target(api)
    adapters = adapters_of(target)
    from cfp.release_records import DecisionRequest

    releases = build_releases(adapters)
    started = time.monotonic()
    ids = seed(target, adapters.settings.table_name, n)
    seeded = time.monotonic() - started
    sys.stderr.write(f"{n} submissions written in {seeded:.1f} s\n")

    started = time.monotonic()
    decided = releases.decide(DecisionRequest(ids=ids, decision="accepted"), "bench")
    answered = time.monotonic() - started
    while decided.job and releases.decision_job(decided.job).state != "done":
        time.sleep(0.5)
    decide_seconds = time.monotonic() - started

    started = time.monotonic()
    preview = releases.preview("bench")
    previewed = time.monotonic() - started
    view = releases.start(preview.release_id, "bench")
    while view.state != "done":
        time.sleep(0.5)
        view = releases.view(preview.release_id)
    release_seconds = time.monotonic() - started
    calm = settled(api, SETTLE_LIMIT_SECONDS)
    mail_seconds = time.monotonic() - started

    mails = decision_mails(outbox)
    once = len(mails) == n and set(mails.values()) == {1}
    print(f"decide   {n} submissions: {decide_seconds:.1f} s (the request answered in {answered:.2f} s)")
    print(f"release  {preview.pending} previewed in {previewed:.1f} s, all queued by {release_seconds:.1f} s")
    print(f"mails    {sum(mails.values())} decision mails to {len(mails)} authors by {mail_seconds:.1f} s")
    print(
        f"result   {'each author got one decision mail' if once else 'MISSED: not one mail each'}"
        f"{'' if calm else '; the stack did not settle'}"
    )
    return 0 if once and calm and len(view.sent) == n else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cfp bench-decisions", description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=5000, help="submissions (default 5000)")
    parser.add_argument("--api-url", help="a running cfp local's API (default: start one)")
    parser.add_argument("--outbox", type=Path, help="that stack's outbox, to count its mails")
    args = parser.parse_args(argv)
    if args.api_url:
        if args.outbox is None:
            parser.error("--api-url needs the stack's --outbox to count the mails")
        return measure(args.api_url.rstrip("/"), args.outbox, args.n)
    with tempfile.TemporaryDirectory(prefix="cfp-bench-decisions-") as workdir:
        outbox = Path(workdir) / "outbox"
        with start_in_background(Path(workdir), outbox, PARAMS) as api:
            return measure(api, outbox, args.n)
