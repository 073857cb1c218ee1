"""A moto account holding the template's resources, created by the local stack's own code
(``cfp_tools.local.resources``), with the environment the template gives the functions."""

from __future__ import annotations

import copy
import functools
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
from cfp_tools.local.resources import Resources, physical_name
from cfp_tools.template import REGION, Resolver, Template, arn
from tests.support.call import DEADLINE_AT, TEMPLATE


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


def _make_kms_key_pairs_when_first_used() -> None:
    """moto gives every KMS key an RSA key pair, symmetric keys included, and making the template's two was
    most of the time it took to create its resources. The handlers only encrypt and decrypt with theirs, which
    never reads the pair, so each key's pair is made the first time something signs, verifies or asks for it.
    """
    from moto.kms import models

    make_now = models.generate_private_key  # type: ignore[attr-defined]

    class KeyPairMadeWhenUsed:
        def __init__(self, key_spec: str) -> None:
            self._key_spec = key_spec
            self._made: Any = None

        def __getattr__(self, name: str) -> Any:
            if name.startswith("_"):
                raise AttributeError(name)
            if self._made is None:
                self._made = make_now(self._key_spec)
            return getattr(self._made, name)

    models.generate_private_key = KeyPairMadeWhenUsed  # type: ignore[attr-defined,assignment]


_make_kms_key_pairs_when_first_used()


# Parameters the handler tests give the template: two organizers to tell apart, and a notifier that does
# not pace its mails (the mailer's pacing has a test of its own).
PARAMETERS = {"OrganizerEmails": "chair@example.org,cochair@example.org", "MailsPerSecond": "1000"}


class _InThisProcess(Resources):
    """The local stack's resources, created in the moto that ``mock_aws`` runs in this process, with one
    client per service."""

    def __init__(self, template: Template) -> None:
        super().__init__(template, endpoint_url="", api_port=0, log=lambda line: None)
        self.clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self.clients:
            self.clients[service] = boto3.client(service, region_name=REGION)  # type: ignore[call-overload]
        return self.clients[service]


@functools.cache
def _template() -> Template:
    return Template(TEMPLATE, PARAMETERS)


def _fresh_template() -> Template:
    """The template parsed once per process, with a resolver of its own that knows no resource yet."""
    template = copy.copy(_template())
    template.resolver = Resolver(_template().resolver.parameters)
    return template


def functions_environment(template: Template) -> dict[str, str]:
    """Every variable the template gives any function (Globals included), resolved against the resources
    created; the handlers share one process here, so a name two functions are given must mean one value."""
    resources = _InThisProcess(template)
    environment: dict[str, str] = {}
    for logical_id in template.creation_order():
        if template.resources[logical_id].get("Type") != "AWS::Serverless::Function":
            resources.create(logical_id)
            continue
        for name, value in template.function(logical_id).environment.items():
            assert environment.setdefault(name, value) == value, f"{name} differs between functions"
        function_name = physical_name(logical_id)
        resources.remember(logical_id, function_name, Arn=arn("lambda", f"function:{function_name}"))
    resources.create_ses_identities()
    _leave_s3_events_to_the_tests(template, resources)
    return environment


def _leave_s3_events_to_the_tests(template: Template, resources: Resources) -> None:
    """The handler tests deliver S3's events to the validator themselves, stamped by the test's clock, as its
    event source would; S3's own notifications would queue a second copy of each, stamped by the machine's.
    So the buckets notify nobody, and the test event S3 sent when their notifications were set is dropped."""
    for logical_id, _ in template.resources_of_type("AWS::S3::Bucket"):
        bucket = template.bucket(logical_id)
        if bucket.notifications:
            name = template.resolver.physical_ids[logical_id]
            resources.client("s3").put_bucket_notification_configuration(
                Bucket=name, NotificationConfiguration={}
            )
            for notification in bucket.notifications:
                resources.client("sqs").purge_queue(QueueUrl=resources.queue_urls[notification.queue_arn])


@contextmanager
def moto_world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The template's resources in a fresh moto account, the functions' environment as the template
    sets it, and the clock fixed on a day the call is open."""
    with mock_aws():
        environment = functions_environment(_fresh_template())
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        wiring.reset()
        clock = FixedClock(datetime(2017, 8, 20, 12, 0, tzinfo=DEADLINE_AT.tzinfo))
        wiring.use_clock(clock)
        yield World(
            clock,
            environment["BUCKET_NAME"],
            environment["TABLE_NAME"],
            environment["NOTIFICATION_QUEUE_URL"],
            environment["VALIDATION_QUEUE_URL"],
            environment["VALIDATION_DEAD_LETTER_QUEUE_URL"],
            environment["RELEASE_QUEUE_URL"],
            boto3.client("s3", region_name=REGION),
            boto3.client("sqs", region_name=REGION),
            boto3.client("dynamodb", region_name=REGION),
            environment["SIGN_IN_QUEUE_URL"],
        )
