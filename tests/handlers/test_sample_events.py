"""The sample events in events/ (for ``sam local invoke``) do what they stand for when a handler gets them:
each test makes the submission or object its sample names, runs the handler on the sample and reads back
what it left behind."""

from __future__ import annotations

import email
import io
import json
import zipfile
from datetime import datetime
from email.message import Message
from typing import Any

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from cfp import wiring
from cfp.ports import ArchiveJob
from cfp.release_records import Claim, ReleaseRecord
from cfp_tools.pdfs import make_abstract
from tests.support.aws import ROOT, FakeContext, http_event, load_function
from tests.support.world import World

# The submission the queue samples speak of, and the bucket the validator's sample names.
SAMPLE_ID = "k7m2q9x4pa"
SAMPLE_BUCKET = "cfp-uploads-123456789012"


def sample(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((ROOT / "events" / f"{name}.json").read_text())
    return loaded


def create_from_sample() -> dict[str, Any]:
    response = load_function("api").lambda_handler(sample("api-create-submission"), FakeContext())
    assert response["statusCode"] == 201, response
    created: dict[str, Any] = json.loads(response["body"])
    return created


def read(created: dict[str, Any]) -> dict[str, Any]:
    event = http_event("GET", f"/submissions/{created['id']}", token=created["token"])
    response = load_function("api").lambda_handler(event, FakeContext())
    assert response["statusCode"] == 200, response
    state: dict[str, Any] = json.loads(response["body"])
    return state


def upload_sample_for(world: World, created: dict[str, Any]) -> dict[str, Any]:
    """The validator's sample, speaking of an abstract really uploaded to the submission's first slot:
    the sample's shape (every field AWS sends) with the bucket, key, size, ETag and version of that object."""
    key = created["upload"]["fields"]["key"]
    data = make_abstract(2)
    put = world.s3.put_object(Bucket=world.bucket, Key=key, Body=data, ContentType="application/pdf")
    event = sample("validator-s3-upload")
    [message] = event["Records"]
    body = json.loads(message["body"])
    [record] = body["Records"]
    assert record["s3"]["bucket"]["name"] == SAMPLE_BUCKET
    assert record["s3"]["object"]["key"] == f"uploads/{SAMPLE_ID}/v1.pdf"
    record["eventTime"] = world.clock.now().isoformat()
    record["s3"]["bucket"]["name"] = world.bucket
    record["s3"]["object"].update(
        key=key, size=len(data), eTag=put["ETag"].strip('"'), versionId=put["VersionId"]
    )
    message["body"] = json.dumps(body)
    return event


def sent() -> list[Message]:
    backend = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    return [email.message_from_string(m.raw_data) for m in backend.sent_messages]


def test_the_api_sample_creates_the_submission_it_describes(world: World) -> None:
    created = create_from_sample()
    state = read(created)
    assert state["title"] == "Learned Index Structures on GPUs"
    assert state["authors"] == [
        {"name": "Ada Lovelace", "email": "ada@example.org", "affiliation": "Analytical Engines"}
    ]
    assert (state["contact_email"], state["status"]) == ("ada@example.org", "awaiting_upload")
    [note] = world.notifications()
    assert (note["kind"], note["submission_id"]) == ("submitted", created["id"])


def test_the_validator_sample_judges_the_upload_it_names(world: World) -> None:
    created = create_from_sample()
    world.notifications()
    result = load_function("validator").lambda_handler(upload_sample_for(world, created), FakeContext())
    assert result == {"batchItemFailures": []}
    state = read(created)
    assert state["status"] == "pass"
    assert (state["verdict"]["outcome"], state["verdict"]["body_pages"]) == ("pass", 2)
    [note] = world.notifications()
    assert (note["kind"], note["submission_id"], note["version"]) == ("verdict", created["id"], 1)


def test_the_notifier_sample_mails_the_receipt_and_the_verdict(world: World) -> None:
    created = create_from_sample()
    load_function("validator").lambda_handler(upload_sample_for(world, created), FakeContext())
    world.notifications()
    event = json.loads(json.dumps(sample("notifier-events")).replace(SAMPLE_ID, created["id"]))
    result = load_function("notifier").lambda_handler(event, FakeContext())
    assert result == {"batchItemFailures": []}
    # A long subject is folded over lines; unfolding drops the line breaks and keeps the spaces.
    to_author = [m["Subject"].replace("\n", "") for m in sent() if m["To"] == "ada@example.org"]
    title = f"Learned Index Structures on GPUs ({created['id']})"
    assert to_author == [
        f"[AI Systems Workshop at SOSP 2017] Received: {title}",
        f"[AI Systems Workshop at SOSP 2017] Format check PASS: {title}",
    ]


def test_the_schedule_sample_reminds_a_submission_without_a_file(world: World) -> None:
    created = create_from_sample()
    world.notifications()
    schedule = sample("deadline-schedule")
    world.clock.instant = datetime.fromisoformat(schedule["time"])
    result = load_function("deadline").lambda_handler(schedule, FakeContext())
    assert result == {
        "reminders": 1,
        "confirmations": 0,
        "call_closed": 0,
        "final_reminders": 0,
        "finals_closed": 0,
    }
    [note] = world.notifications()
    assert (note["kind"], note["submission_id"], note["detail"]) == ("reminder", created["id"], {"hours": 24})


def test_the_archiver_sample_builds_the_job_it_names(world: World) -> None:
    created = create_from_sample()
    load_function("validator").lambda_handler(upload_sample_for(world, created), FakeContext())
    job_id = json.loads(sample("archiver-job")["Records"][0]["body"])["job_id"]
    wiring.adapters().archive_jobs.save_job(ArchiveJob(job_id, False, "chair@example.org", world.clock.now()))
    result = load_function("archiver").lambda_handler(sample("archiver-job"), FakeContext())
    assert result == {"batchItemFailures": []}
    job = wiring.adapters().archive_jobs.job(job_id)
    assert job is not None and (job.state, job.done, job.total) == ("done", 1, 1)
    data = world.s3.get_object(Bucket=world.bucket, Key=f"archives/{job_id}.zip")["Body"].read()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == [f"{created['id']} - Learned Index Structures on GPUs.pdf"]


def test_the_archiver_sample_drops_a_job_the_table_no_longer_holds(world: World) -> None:
    result = load_function("archiver").lambda_handler(sample("archiver-job"), FakeContext())
    assert result == {"batchItemFailures": []}
    assert world.s3.list_objects_v2(Bucket=world.bucket, Prefix="archives/").get("KeyCount") == 0


def test_the_sign_in_sample_mails_the_organizer_a_link(world: World) -> None:
    result = load_function("signin").lambda_handler(sample("signin-request"), FakeContext())
    assert result == {"batchItemFailures": []}
    [mail] = sent()
    assert mail["To"] == "chair@example.org" and "https://cfp.example.org/organizers#signin=" in str(
        mail.get_payload(0)
    )


def test_the_releaser_sample_sends_the_release_it_names(world: World) -> None:
    created = create_from_sample()
    world.notifications()
    release_id = json.loads(sample("releaser-release")["Records"][0]["body"])["release_id"]
    decisions = wiring.adapters().decisions
    decisions.apply_decision([created["id"]], "accepted", "", "chair@example.org", world.clock.now(), "r1")
    claim = Claim(release_id, created["id"], 1, "accepted")
    decisions.save_release(ReleaseRecord(release_id, "chair@example.org", world.clock.now(), (claim,)))
    assert decisions.start_release(release_id, "chair@example.org", world.clock.now())
    result = load_function("releaser").lambda_handler(sample("releaser-release"), FakeContext())
    assert result == {"batchItemFailures": []}
    [event] = world.notifications()
    assert (event["kind"], event["event_id"]) == ("decision", f"decision:{created['id']}:v1")


def test_the_releaser_sample_drops_a_release_the_table_no_longer_holds(world: World) -> None:
    result = load_function("releaser").lambda_handler(sample("releaser-release"), FakeContext())
    assert result == {"batchItemFailures": []}
    assert world.notifications() == []


def test_the_feedback_sample_suppresses_the_address_that_bounced(world: World) -> None:
    result = load_function("feedback").lambda_handler(sample("feedback-bounce"), FakeContext())
    assert result == {"batchItemFailures": []}
    assert wiring.adapters().suppressions.suppressed({"nobody@example.org", "other@example.org"}) == {
        "nobody@example.org"
    }
