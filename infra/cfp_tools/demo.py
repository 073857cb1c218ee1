"""``cfp demo``: fill a running ``cfp local`` with a realistic call, through the public API as authors would.

Twenty submissions: good abstracts, three too long, a scan, a Word file sent as a PDF, a revision (a
failing version replaced by a passing one) and a withdrawal; then, when the call's deadline is near
enough to wait for, a late upload. Prints what each one got and where to look next (the page, the
organizers' digest in the outbox).

The late upload is written straight to the bucket after the deadline, as S3 records a slow upload that
began in time; its presigned POST has expired by then, as on AWS. ``cfp local --demo`` starts a stack
whose deadline is a few minutes away so that the whole story, late upload included, plays out at once.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import IO, Any
from urllib.parse import urlencode

import boto3

from cfp_tools.pdfs import make_abstract, not_a_pdf

DEFAULT_API_URL = "http://127.0.0.1:3000"
# Moving a stack's clock first waits for its work in flight, up to a minute (the notifier's batching window).
CLOCK_TIMEOUT_SECONDS = 120

_TOPICS = [
    "Scheduling Inference on Shared GPUs",
    "Learned Index Structures for Log-Structured Stores",
    "Serverless Training with Spot Instances",
    "Compiler Autotuning with Bandits",
    "Tail Latency in Disaggregated Memory",
    "Energy-Aware Batching for LLM Serving",
    "Checkpointing Large Models in Seconds",
    "Verified Parsers for ML Model Formats",
    "A Network Stack for Parameter Servers",
    "Fair Sharing of TPU Pods",
    "Quantized Embeddings at Scale",
    "Privacy Budgets for Federated Analytics",
    "Speculative Decoding on Edge Devices",
    "Dataflow Graphs for Sparse Attention",
    "Cache-Friendly Graph Neural Networks",
    "Elastic Pipelines for Recommendation Models",
    "Debugging Distributed Training Hangs",
    "Carbon-Aware Job Placement",
    "Cost Models for Query Optimizers",
    "Reproducible Benchmarks for ML Systems",
]
_PEOPLE = [
    ("Ada Lovelace", "Analytical Engines Lab"),
    ("Alan Turing", "University of Manchester"),
    ("Grace Hopper", "Naval Research Laboratory"),
    ("Edsger Dijkstra", "Eindhoven University of Technology"),
    ("Barbara Liskov", "MIT CSAIL"),
    ("Leslie Lamport", "Microsoft Research"),
    ("Frances Allen", "IBM Research"),
    ("Ken Thompson", "Bell Labs"),
    ("Radia Perlman", "Digital Equipment Corporation"),
    ("Butler Lampson", "Xerox PARC"),
]


@dataclass
class Story:
    """One submission of the demo: what happens to it, and what the API said in the end."""

    kind: str
    title: str
    files: list[bytes]
    withdraw: bool = False
    late: bool = False
    created: dict[str, Any] | None = None
    final: dict[str, Any] | None = None


def stories() -> list[Story]:
    """Twenty submissions with a mix of outcomes; every fifth author has a co-author."""
    kinds = ["good"] * 12 + ["too long"] * 3 + ["scan", "not a PDF", "revision", "withdrawn", "late"]
    result = []
    for number, (kind, topic) in enumerate(zip(kinds, _TOPICS, strict=True)):
        files = {
            "good": [make_abstract(1 + number % 2, seed=number)],
            "too long": [make_abstract(3, seed=number)],
            "scan": [make_abstract(1, scanned=True)],
            "not a PDF": [not_a_pdf()],
            "revision": [make_abstract(3, seed=number), make_abstract(2, seed=number)],
            "withdrawn": [make_abstract(2, seed=number)],
            "late": [],
        }[kind]
        result.append(Story(kind, topic, files, withdraw=kind == "withdrawn", late=kind == "late"))
    return result


class Api:
    """The few HTTP calls the demo makes, with the standard library only."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

    def call(
        self, method: str, path: str, body: Any = None, token: str | None = None, timeout: float = 30
    ) -> Any:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)  # noqa: S310
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - the local stack's URL
            return json.load(response)

    def upload(self, ticket: dict[str, Any], pdf: bytes) -> int:
        """A browser-style multipart POST of the signed fields and the file to the presigned URL."""
        boundary = secrets.token_hex(16)
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in ticket["fields"].items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="abstract.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n".encode()
            + pdf
            + f"\r\n--{boundary}--\r\n".encode()
        )
        request = urllib.request.Request(  # noqa: S310 - the presigned URL the local stack issued
            ticket["url"],
            data=b"".join(parts),
            method="POST",
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return int(response.status)
        except urllib.error.HTTPError as error:
            return error.code


def _author(number: int) -> list[dict[str, str]]:
    people = [_PEOPLE[number % len(_PEOPLE)]]
    if number % 5 == 0:
        people.append(_PEOPLE[(number + 3) % len(_PEOPLE)])
    return [
        {"name": name, "email": f"{name.split()[0].lower()}{number}@example.org", "affiliation": place}
        for name, place in people
    ]


def _await_verdicts(api: Api, seeded: list[Story], out: IO[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = 0
        for story in seeded:
            assert story.created is not None
            story.final = api.call("GET", f"/submissions/{story.created['id']}", token=story.created["token"])
            uploads = [v for v in story.final["versions"] if v["uploaded_at"]]
            expected = len(story.files) + (1 if story.late else 0)
            if len(uploads) < expected or any(v["verdict"] is None and not v["attention"] for v in uploads):
                waiting += 1
        if not waiting:
            return
        time.sleep(1)
    out.write(f"cfp demo: {waiting} submission(s) still being checked after {timeout:.0f} s\n")


def _pass_the_deadline(api: Api, call: dict[str, Any], move_clock: bool, out: IO[str]) -> bool:
    """Wait for the deadline, or move the stack's clock past it (once the uploads in flight are done);
    false after saying why the clock could not be moved."""
    closes = datetime.fromisoformat(call["deadline"]) + timedelta(seconds=1)
    if move_clock:
        out.write(
            f"moving the stack's clock past the deadline ({call['deadline_text']}) to show a late upload\n"
        )
        out.flush()
        try:
            api.call(
                "POST",
                f"/_local/clock?{urlencode({'to': closes.isoformat()})}",
                timeout=CLOCK_TIMEOUT_SECONDS,
            )
        except urllib.error.HTTPError as error:
            reason = json.loads(error.read() or b"{}").get("message", error.reason)
            out.write(f"cfp demo: the stack's clock was not moved ({error.code}: {reason})\n")
            return False
        return True
    wait = (closes - datetime.now(UTC)).total_seconds()
    out.write(f"waiting {wait:.0f} s for the deadline ({call['deadline_text']}) to show a late upload\n")
    out.flush()
    time.sleep(max(0.0, wait) + 1)
    return True


def _late_upload(api: Api, story: Story) -> None:
    """Write the PDF into the slot issued before the deadline, as S3 records a slow upload that began in
    time; the validator marks it late and keeps it."""
    assert story.created is not None
    with urllib.request.urlopen(f"{api.base}/_local/resources", timeout=10) as response:  # noqa: S310
        local = json.load(response)
    s3 = boto3.client(
        "s3",
        endpoint_url=local["endpoint"],
        region_name=local["region"],
        aws_access_key_id=local["access_key_id"],
        aws_secret_access_key=local["secret_access_key"],
    )
    s3.put_object(
        Bucket=local["resources"]["UploadsBucket"],
        Key=story.created["upload"]["fields"]["key"],
        Body=make_abstract(2, seed=99),
        ContentType="application/pdf",
    )


def _seed(api: Api, story: Story, number: int) -> None:
    body = {
        "title": story.title,
        "authors": _author(number),
        "contact_email": _author(number)[0]["email"],
        "abstract": f"We present {story.title.lower()}, measured on real workloads.",
    }
    story.created = api.call("POST", "/submissions", body)
    ticket = story.created["upload"]
    for index, pdf in enumerate(story.files):
        if index:
            ticket = api.call(
                "POST", f"/submissions/{story.created['id']}/upload-url", token=story.created["token"]
            )["upload"]
        status = api.upload(ticket, pdf)
        if status >= 300:
            raise RuntimeError(f"upload for {story.title!r} refused with HTTP {status}")


def run(api_url: str, out: IO[str], late_within: float, move_clock: bool = False) -> int:
    """Seed the call and print the table; 1 when no stack answers at ``api_url``. The late upload plays
    when the deadline is at most ``late_within`` seconds away, or always with ``move_clock``."""
    api = Api(api_url)
    try:
        call = api.call("GET", "/call")
    except (urllib.error.URLError, OSError) as exc:
        out.write(f"cfp demo: no cfp local at {api_url} ({exc}); start one with ./dev local\n")
        return 1
    if not call["open"]:
        out.write(f"cfp demo: the call at {api_url} closed at {call['deadline_text']}; nothing to seed\n")
        return 1
    seeded = stories()
    until_deadline = (datetime.fromisoformat(call["deadline"]) - datetime.now(UTC)).total_seconds()
    with_late = move_clock or until_deadline <= late_within
    if not with_late:
        seeded = [story for story in seeded if not story.late]
    out.write(f"seeding {len(seeded)} submissions to {call['conference']} at {api_url}\n")
    out.flush()
    for number, story in enumerate(seeded):
        _seed(api, story, number)
    for story in seeded:
        if story.withdraw:
            assert story.created is not None
            api.call("DELETE", f"/submissions/{story.created['id']}", token=story.created["token"])
    late = [story for story in seeded if story.late]
    if late and not _pass_the_deadline(api, call, move_clock, out):
        return 1
    for story in late:
        _late_upload(api, story)
    _await_verdicts(api, seeded, out, timeout=120)
    _report(api_url, seeded, with_late, out)
    out.flush()
    return 0


def _report(api_url: str, seeded: list[Story], with_late: bool, out: IO[str]) -> None:
    rows = [("story", "id", "status", "uploads", "body pages", "problems")]
    for story in seeded:
        assert story.created is not None and story.final is not None
        verdict = story.final["verdict"] or {}
        problems = ", ".join(p["code"] for p in verdict.get("problems", [])) or "-"
        pages = verdict.get("body_pages")
        uploads = [v for v in story.final["versions"] if v["uploaded_at"]]
        marks = ", ".join(f"v{v['version']}{' late' if v['late'] else ''}" for v in uploads) or "-"
        row = (story.kind, story.created["id"], story.final["status"], marks, str(pages or "-"), problems)
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        out.write(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() + "\n"
        )
    base = api_url.rstrip("/")
    out.write(f"\nThe authors' page: {base}/\n")
    shown: set[str] = set()
    for story in seeded:
        if story.kind in {"too long", "scan", "revision", "late"} - shown:
            assert story.created is not None
            shown.add(story.kind)
            link = f"{base}/#id={story.created['id']}&token={story.created['token']}"
            out.write(f"  manage link ({story.kind}): {link}\n")
    out.write(
        "Receipts, verdicts and the organizers' digest reach cfp local's outbox/ within about a minute "
        "(the notifier gathers events for up to 60 s).\n"
    )
    if not with_late:
        out.write(
            "No late upload: the deadline is too far to wait for. ./dev local --demo runs a call whose "
            "deadline is minutes away, with a late upload; cfp demo --move-clock shows it at once.\n"
        )
    else:
        out.write(
            "The call has closed; ./dev cfp fire-schedule --at ISO (15 minutes after the deadline) sends "
            "the confirmations and the final digest.\n"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cfp demo", description=__doc__)
    parser.add_argument("--api-url", default=DEFAULT_API_URL, help=f"a running cfp local ({DEFAULT_API_URL})")
    parser.add_argument(
        "--late-within",
        type=float,
        default=300,
        metavar="SECONDS",
        help="wait for the deadline and show a late upload when it is at most this far (default 300)",
    )
    parser.add_argument(
        "--move-clock",
        action="store_true",
        help="show the late upload at once: move the stack's clock past the deadline (the call closes)",
    )
    args = parser.parse_args(argv)
    return run(args.api_url, sys.stdout, args.late_within, args.move_clock)
