"""The local stack's machinery, driven through a small template whose handlers report what they receive."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.call import DEADLINE
from tests.support.running import CFP, ROOT, RunningStack
from tests.support.stories import wait_for

pytestmark = pytest.mark.slow

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Greeting:
    Type: String
    Default: hello
  Sender:
    Type: String
    Default: robot@example.net
Globals:
  Function:
    Runtime: python3.12
    Timeout: 5
    Environment:
      Variables:
        GREETING: !Ref Greeting
        QUEUE_URL: !Ref WorkQueue
        BUCKET: !Ref Inbox
        SENDER: !Ref Sender
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration:
        AllowOrigins: [https://app.example]
        AllowMethods: [GET, POST]
        AllowHeaders: [content-type]
        MaxAge: 60
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: code/
      Handler: handlers.echo
      Timeout: 2
      MemorySize: 256
      Events:
        Proxy:
          Type: HttpApi
          Properties:
            ApiId: !Ref Api
            Path: /{proxy+}
            Method: ANY
  WorkerFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: code/
      Handler: handlers.work
      Timeout: 2
      Events:
        Work:
          Type: SQS
          Properties:
            Queue: !GetAtt WorkQueue.Arn
            BatchSize: 5
            MaximumBatchingWindowInSeconds: 1
            FunctionResponseTypes: [ReportBatchItemFailures]
      Policies:
        - Statement:
            - Effect: Allow
              Action: ses:SendEmail
              Resource: !Sub "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*"
              Condition:
                StringEquals:
                  ses:FromAddress: !Ref Sender
  TickFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: code/
      Handler: handlers.tick
      Events:
        Hourly:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: rate(1 hour)
  Inbox:
    Type: AWS::S3::Bucket
    Properties:
      NotificationConfiguration:
        QueueConfigurations:
          - Event: s3:ObjectCreated:*
            Queue: !GetAtt WorkQueue.Arn
            Filter:
              S3Key:
                Rules:
                  - Name: prefix
                    Value: in/
  WorkQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 2
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt WorkDeadLetters.Arn
        maxReceiveCount: 2
  WorkDeadLetters:
    Type: AWS::SQS::Queue
"""

HANDLERS = """\
import json
import os
import threading
import time
from urllib.parse import unquote_plus

import boto3

COLD = time.time()


def echo(event, context):
    path = event["rawPath"]
    if path == "/crash":
        raise RuntimeError("boom")
    if path == "/hang":
        threading.Event().wait()
    if path == "/put":
        boto3.client("s3").put_object(Bucket=os.environ["BUCKET"], Key="in/hello world.txt", Body=b"hi")
        boto3.client("s3").put_object(Bucket=os.environ["BUCKET"], Key="elsewhere.txt", Body=b"hi")
    if path == "/send":
        sqs = boto3.client("sqs")
        for body in event["queryStringParameters"]["body"].split(","):
            sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=body)
    document = {
        "event": event,
        "greeting": os.environ["GREETING"],
        "pid": os.getpid(),
        "cold": COLD,
        "memory": context.memory_limit_in_mb,
        "remaining": context.get_remaining_time_in_millis(),
        "arn": context.invoked_function_arn,
        "revision": globals().get("REVISION", 1),
        "now": time.time(),
    }
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json", "x-function": context.function_name},
        "cookies": ["visit=1; Path=/"],
        "body": json.dumps(document),
    }


def work(event, context):
    failures, bodies = [], []
    for record in event["Records"]:
        body = record["body"]
        if body.startswith("{"):
            document = json.loads(body)
            if document.get("Event") == "s3:TestEvent":
                continue
            body = "stored " + ",".join(unquote_plus(r["s3"]["object"]["key"]) for r in document["Records"])
        if body == "fail":
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        bodies.append(body)
    if bodies:
        boto3.client("sesv2").send_email(
            FromEmailAddress=os.environ["SENDER"],
            Destination={"ToAddresses": ["ops@example.net"]},
            Content={
                "Simple": {
                    "Subject": {"Data": f"batch of {len(bodies)}: {' '.join(sorted(bodies))}"},
                    "Body": {"Text": {"Data": json.dumps(event["Records"][0])}},
                }
            },
        )
    return {"batchItemFailures": failures}


def tick(event, context):
    return {"time": event["time"], "detail": event["detail"], "type": event["detail-type"], "at": event["at"]}
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    workdir = tmp_path_factory.mktemp("local-stack")
    (workdir / "code").mkdir()
    (workdir / "code" / "handlers.py").write_text(HANDLERS)
    (workdir / "template.yaml").write_text(TEMPLATE)
    running = RunningStack(workdir, "--template", str(workdir / "template.yaml"), "--param", "Greeting=howdy")
    try:
        yield running
    finally:
        running.stop()


def _echo(stack: RunningStack, target: str, **kwargs: Any) -> dict[str, Any]:
    response = requests.request(kwargs.pop("method", "GET"), stack.api + target, timeout=30, **kwargs)
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def test_requests_arrive_as_http_api_v2_events(stack: RunningStack) -> None:
    response = requests.get(
        stack.api + "/hello/w%20orld?a=1&a=2&b=x",
        headers={"Cookie": "c1=v1; c2=v2", "X-Custom": "Yes", "Origin": "https://app.example"},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.headers["x-function"].startswith("cfp-local-EchoFunction-")
    assert response.headers["access-control-allow-origin"] == "https://app.example"
    assert response.headers["set-cookie"] == "visit=1; Path=/"
    document = response.json()
    event = document["event"]
    assert (event["version"], event["routeKey"], event["rawPath"]) == (
        "2.0",
        "ANY /{proxy+}",
        "/hello/w%20orld",
    )
    assert event["rawQueryString"] == "a=1&a=2&b=x"
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x"}
    assert event["pathParameters"] == {"proxy": "hello/w orld"}
    assert event["cookies"] == ["c1=v1", "c2=v2"]
    assert event["headers"]["x-custom"] == "Yes" and "cookie" not in event["headers"]
    context = event["requestContext"]
    assert context["http"]["method"] == "GET" and context["http"]["sourceIp"] == "127.0.0.1"
    assert context["http"]["path"] == "/hello/w%20orld" and context["http"]["userAgent"].startswith(
        "python-requests"
    )
    assert context["stage"] == "$default" and context["requestId"] and context["timeEpoch"] > 0
    assert "body" not in event and event["isBase64Encoded"] is False
    assert document["greeting"] == "howdy"
    assert document["memory"] == 256 and 0 < document["remaining"] <= 2000
    assert document["arn"].startswith(
        "arn:aws:lambda:us-east-1:123456789012:function:cfp-local-EchoFunction-"
    )


def test_every_method_reaches_an_any_route(stack: RunningStack) -> None:
    for method in ("TRACE", "PROPFIND"):
        response = requests.request(method, stack.api + "/anything", timeout=30)
        assert response.status_code == 200, method
        assert response.json()["event"]["requestContext"]["http"]["method"] == method


def test_bodies_are_passed_as_text_or_base64(stack: RunningStack) -> None:
    text = _echo(stack, "/items", method="POST", json={"a": 1})["event"]
    assert (text["body"], text["isBase64Encoded"]) == ('{"a": 1}', False)
    binary = _echo(
        stack, "/items", method="PUT", data=b"\x00\xff", headers={"content-type": "application/pdf"}
    )
    assert (binary["event"]["body"], binary["event"]["isBase64Encoded"]) == ("AP8=", True)


def test_the_worker_stays_warm_between_invocations(stack: RunningStack) -> None:
    first, second = _echo(stack, "/a"), _echo(stack, "/b")
    assert (first["pid"], first["cold"]) == (second["pid"], second["cold"])


def test_preflights_are_answered_from_the_cors_configuration(stack: RunningStack) -> None:
    allowed = requests.options(
        stack.api + "/items",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
        timeout=30,
    )
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert allowed.headers["access-control-allow-methods"] == "GET,POST"
    assert allowed.headers["access-control-allow-headers"] == "content-type"
    assert allowed.headers["access-control-max-age"] == "60"
    refused = requests.options(
        stack.api + "/items",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    assert refused.status_code == 204 and "access-control-allow-origin" not in refused.headers


def test_failures_and_timeouts_become_api_gateway_errors(stack: RunningStack) -> None:
    before = _echo(stack, "/a")["pid"]
    crash = requests.get(stack.api + "/crash", timeout=30)
    assert (crash.status_code, crash.json()) == (500, {"message": "Internal Server Error"})
    assert _echo(stack, "/a")["pid"] == before
    hung = requests.get(stack.api + "/hang", timeout=30)
    assert hung.status_code == 500
    assert _echo(stack, "/a")["pid"] != before
    assert requests.get(stack.api + "/", timeout=30).status_code == 404
    assert "Task timed out after 2.00 seconds" in stack.output()


def test_sqs_batches_follow_the_event_source_mapping(stack: RunningStack) -> None:
    _echo(stack, "/send?body=a,b,c")
    mail = message_from_bytes(stack.await_mail("batch of 3: a b c", timeout=30).read_bytes())
    assert mail["From"] == "robot@example.net" and mail["To"] == "ops@example.net"
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    record = json.loads(payload)
    assert record["eventSource"] == "aws:sqs" and record["awsRegion"] == "us-east-1"
    assert record["eventSourceARN"].startswith("arn:aws:sqs:us-east-1:123456789012:cfp-local-WorkQueue-")
    assert record["attributes"]["ApproximateReceiveCount"] == "1" and record["attributes"]["SentTimestamp"]
    assert record["md5OfBody"] and record["receiptHandle"] and record["messageId"]


def test_reported_failures_are_retried_then_dead_lettered(stack: RunningStack) -> None:
    _echo(stack, "/send?body=fail,kept")
    stack.await_mail("batch of 1: kept", timeout=30)
    sqs = stack.client("sqs")
    (dead_letters,) = sqs.list_queues(QueueNamePrefix="cfp-local-WorkDeadLetters-")["QueueUrls"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=dead_letters, WaitTimeSeconds=1).get("Messages", [])
        if messages:
            assert [message["Body"] for message in messages] == ["fail"]
            return
    pytest.fail("the failing message never reached the dead-letter queue")


def test_s3_notifications_reach_the_queue_with_prefix_filters(stack: RunningStack) -> None:
    _echo(stack, "/put")
    mail = stack.await_mail("stored in/hello world.txt", timeout=30)
    assert b"elsewhere" not in mail.read_bytes()


def test_schedules_fire_at_a_chosen_instant(stack: RunningStack) -> None:
    result = subprocess.run(
        [
            *CFP,
            "fire-schedule",
            "--api-url",
            stack.api,
            "--function",
            "TickFunction",
            "--at",
            "2030-01-02T03:04:05Z",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    assert json.loads(result.stdout) == {
        "time": "2030-01-02T03:04:05Z",
        "detail": {"at": "2030-01-02T03:04:05+00:00"},
        "type": "Scheduled Event",
        "at": "2030-01-02T03:04:05+00:00",
    }
    missing = requests.post(stack.api + "/_local/schedules/EchoFunction", timeout=30)
    assert missing.status_code == 404 and "TickFunction" in missing.json()["message"]
    bad = requests.post(stack.api + "/_local/schedules/TickFunction?at=tomorrow", timeout=30)
    assert bad.status_code == 400


def test_settled_says_what_is_still_pending_until_it_is_followed_through(stack: RunningStack) -> None:
    assert requests.get(stack.api + "/_local/settled?wait=30", timeout=60).json()["settled"] is True
    _echo(stack, "/send?body=fail")
    busy = requests.post(stack.api + "/_local/clock?to=2099-01-01T00:00:00Z&wait=0", timeout=30)
    assert busy.status_code == 409
    assert [name.startswith("cfp-local-WorkQueue-") for name in busy.json()["pending"]] == [True]
    # The failing message is tried twice, two seconds apart, then dead-lettered: nothing is left to do.
    settled = requests.get(stack.api + "/_local/settled?wait=30", timeout=60).json()
    assert settled == {"settled": True, "pending": {}}
    assert requests.get(stack.api + "/_local/settled?wait=soon", timeout=30).status_code == 400


def test_the_clock_moves_forward_for_the_functions_moto_and_schedules(stack: RunningStack) -> None:
    later = (datetime.now(UTC) + timedelta(days=400)).replace(microsecond=0)

    def clock(*arguments: str) -> subprocess.CompletedProcess[str]:
        command = [*CFP, "clock", "--api-url", stack.api, *arguments]
        return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)

    moved = clock("--to", later.isoformat())
    assert moved.returncode == 0, moved.stderr
    assert moved.stdout.startswith(later.isoformat()[:16])
    assert later.timestamp() <= _echo(stack, "/a")["now"] < later.timestamp() + 60
    _echo(stack, "/put")
    stored = stack.client("s3")
    bucket = requests.get(stack.api + "/_local/resources", timeout=30).json()["resources"]["Inbox"]
    assert stored.head_object(Bucket=bucket, Key="in/hello world.txt")["LastModified"] >= later
    fired = requests.post(stack.api + "/_local/schedules/TickFunction", timeout=30).json()["event"]
    assert datetime.fromisoformat(fired["time"].replace("Z", "+00:00")) >= later
    backwards = clock("--to", (later - timedelta(hours=1)).isoformat())
    assert backwards.returncode == 1 and "only moves forward" in backwards.stderr
    shown = clock()
    assert shown.returncode == 0 and shown.stdout.startswith(later.isoformat()[:13])
    assert requests.post(stack.api + "/_local/clock", timeout=30).status_code == 400


def test_the_banner_names_every_endpoint(stack: RunningStack) -> None:
    output = stack.output()
    assert f"API     {stack.api}" in output and "outbox" in output
    assert "SES identity example.net verified for robot@example.net" in output


def _usage(stack: RunningStack) -> dict[str, dict[str, Any]]:
    document = requests.get(f"{stack.api}/_local/usage", timeout=30).json()
    return {**document["parts"], **document["operations"]}


def test_usage_counts_the_cpu_of_each_invocation_and_request_by_part(stack: RunningStack) -> None:
    before = _usage(stack)
    for target in ("/a", "/b", "/send?body=metered"):
        _echo(stack, target)

    def since(now: dict[str, dict[str, Any]], part: str) -> tuple[int, float]:
        then = before.get(part, {"calls": 0, "cpu_seconds": 0.0})
        counted = now.get(part, {"calls": 0, "cpu_seconds": 0.0})
        return counted["calls"] - then["calls"], counted["cpu_seconds"] - then["cpu_seconds"]

    def counted_all() -> dict[str, dict[str, Any]] | None:
        """The usage once the API front has counted the three requests: a server counts a request after
        it has written the answer, so the last one may still be counting when the test reads."""
        usage = _usage(stack)
        return usage if since(usage, "API front")[0] >= 3 else None

    after = wait_for(counted_all, 30, "the API front to count the three requests")

    def spent(part: str) -> tuple[int, float]:
        return since(after, part)

    calls, seconds = spent("EchoFunction")
    assert calls == 3 and seconds > 0, after
    assert spent("API front")[0] == 3
    assert spent("moto sqs: SendMessage")[0] == 1, "the handler's send, by service and operation"
    assert spent("stack process, unattributed")[1] >= 0


def test_edited_code_applies_to_the_next_invocation(stack: RunningStack) -> None:
    before = _echo(stack, "/a")
    handlers = stack.log.parent / "code" / "handlers.py"
    handlers.write_text(handlers.read_text() + "\nREVISION = 2\n")
    after = _echo(stack, "/a")
    assert (before["revision"], after["revision"]) == (1, 2) and before["pid"] != after["pid"]
    assert "EchoFunction: code changed, starting a new worker" in stack.output()


def all_taken_into_batches(running: RunningStack) -> bool:
    """Whether the stack's pollers hold every message of its queues, none left waiting to be received."""
    pending = requests.get(f"{running.api}/_local/settled", timeout=10).json()["pending"]
    return bool(pending) and all(c["visible"] == 0 and c["in_flight"] > 0 for c in pending.values())


def test_repeated_signals_stop_cleanly_after_delivering_the_gathered_batch(tmp_path: Path) -> None:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "handlers.py").write_text(HANDLERS)
    long_window = TEMPLATE.replace("MaximumBatchingWindowInSeconds: 1", "MaximumBatchingWindowInSeconds: 300")
    long_window = long_window.replace("VisibilityTimeout: 2", "VisibilityTimeout: 900")
    (tmp_path / "template.yaml").write_text(long_window)
    running = RunningStack(tmp_path, "--template", str(tmp_path / "template.yaml"))
    _echo(running, "/send?body=pending")
    wait_for(lambda: all_taken_into_batches(running), 30, "the poller to take the message into its batch")
    assert running.mails() == []
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGINT, signal.SIGTERM):
        running.process.send_signal(number)
    assert running.stop() == 0
    assert "Traceback" not in running.output()
    assert [b"batch of 1: pending" in path.read_bytes() for path in running.mails()] == [True]


def test_a_past_deadline_asked_for_is_pointed_out_at_start(tmp_path: Path) -> None:
    running = RunningStack(tmp_path, "--deadline", "2020-01-01T00:00:00Z")
    try:
        assert "Deadline 2020-01-01T00:00:00Z has passed: the call is closed" in running.output()
    finally:
        assert running.stop() == 0


def test_a_past_template_default_keeps_the_call_open(tmp_path: Path) -> None:
    running = RunningStack(tmp_path)
    try:
        assert f"the template's {DEADLINE} has passed" in running.output()
        resources = requests.get(f"{running.api}/_local/resources", timeout=10).json()
        assert resources["endpoint"] == running.aws
        assert {"SubmissionsTable", "UploadsBucket", "NotificationQueue"} <= set(resources["resources"])
    finally:
        assert running.stop() == 0
