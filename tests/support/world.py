"""A moto account holding the service's resources, with the environment the template gives the functions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from cfp import wiring
from cfp.clock import FixedClock
from tests.support.call import DEADLINE, DEADLINE_AT, FINAL_DEADLINE


@dataclass
class World:
    clock: FixedClock
    bucket: str
    table: str
    notification_queue_url: str
    validation_queue_url: str
    dead_letter_queue_url: str
    release_queue_url: str
    s3: Any
    sqs: Any
    dynamodb: Any
    sign_in_queue_url: str = ""

    def sign_in_requests(self) -> list[str]:
        """Drain the sign-in queue: the bodies the API queued."""
        bodies: list[str] = []
        while got := self.sqs.receive_message(QueueUrl=self.sign_in_queue_url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for message in got:
                bodies.append(message["Body"])
                self.sqs.delete_message(
                    QueueUrl=self.sign_in_queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
        return bodies

    def notifications(self) -> list[dict[str, Any]]:
        """Drain the notification queue."""
        return self.drain(self.notification_queue_url)

    def drain(self, queue_url: str) -> list[dict[str, Any]]:
        """Every message now in a queue, taken out of it."""
        bodies: list[dict[str, Any]] = []
        while True:
            got = self.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
            messages = got.get("Messages", [])
            if not messages:
                return bodies
            for message in messages:
                bodies.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


@contextmanager
def moto_world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The service's resources in a fresh moto account, their names in the environment, the clock fixed."""
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        bucket = "cfp-test-uploads-123456789012"
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        table = "cfp-test-submissions"
        dynamodb.create_table(
            TableName=table,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
        )
        dynamodb.create_table(
            TableName="cfp-test-idempotency",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        )
        notification_queue_url = sqs.create_queue(QueueName="cfp-test-notifications")["QueueUrl"]
        validation_queue_url = sqs.create_queue(QueueName="cfp-test-validation")["QueueUrl"]
        dead_letter_queue_url = sqs.create_queue(QueueName="cfp-test-validation-dlq")["QueueUrl"]
        notification_dead_letters = sqs.create_queue(QueueName="cfp-test-notification-dlq")["QueueUrl"]
        archive_queue_url = sqs.create_queue(QueueName="cfp-test-archives")["QueueUrl"]
        archive_dead_letters = sqs.create_queue(QueueName="cfp-test-archive-dlq")["QueueUrl"]
        sign_in_queue_url = sqs.create_queue(QueueName="cfp-test-sign-in")["QueueUrl"]
        release_queue_url = sqs.create_queue(QueueName="cfp-test-releases")["QueueUrl"]
        release_dead_letters = sqs.create_queue(QueueName="cfp-test-release-dlq")["QueueUrl"]
        ses = boto3.client("sesv2", region_name="us-east-1")
        ses.create_email_identity(EmailIdentity="example.org")
        ses.create_configuration_set(ConfigurationSetName="cfp-test-mail")
        token_key = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["KeyId"]
        session_key = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
            Name="cfp-test-console-session-key", SecretString="k" * 64
        )["ARN"]
        environment = {
            "CONFERENCE_NAME": "AI Systems Workshop at SOSP 2017",
            "DEADLINE": DEADLINE,
            "FINAL_DEADLINE": FINAL_DEADLINE,
            "GRACE_SECONDS": "0",
            "SENDER_EMAIL": "cfp@example.org",
            "ORGANIZER_EMAILS": "chair@example.org,cochair@example.org",
            "MAX_UPLOAD_MB": "10",
            "MAX_BODY_PAGES": "2",
            "TABLE_NAME": table,
            "IDEMPOTENCY_TABLE_NAME": "cfp-test-idempotency",
            "BUCKET_NAME": bucket,
            "UPLOAD_PREFIX": "uploads/",
            "NOTIFICATION_QUEUE_URL": notification_queue_url,
            "RECEIPT_TOKEN_KEY_ID": token_key,
            "MAILS_PER_SECOND": "1000",
            "VALIDATION_QUEUE_URL": validation_queue_url,
            "VALIDATION_DEAD_LETTER_QUEUE_URL": dead_letter_queue_url,
            "NOTIFICATION_DEAD_LETTER_QUEUE_URL": notification_dead_letters,
            "SESSION_KEY_SECRET_ARN": session_key,
            "SIGN_IN_QUEUE_URL": sign_in_queue_url,
            "ARCHIVE_QUEUE_URL": archive_queue_url,
            "ARCHIVE_DEAD_LETTER_QUEUE_URL": archive_dead_letters,
            "ARCHIVE_PREFIX": "archives/",
            "RELEASE_QUEUE_URL": release_queue_url,
            "RELEASE_DEAD_LETTER_QUEUE_URL": release_dead_letters,
            "CONFIGURATION_SET": "cfp-test-mail",
        }
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        wiring.reset()
        clock = FixedClock(datetime(2017, 8, 20, 12, 0, tzinfo=DEADLINE_AT.tzinfo))
        wiring.use_clock(clock)
        yield World(
            clock,
            bucket,
            table,
            notification_queue_url,
            validation_queue_url,
            dead_letter_queue_url,
            release_queue_url,
            s3,
            sqs,
            dynamodb,
            sign_in_queue_url,
        )
