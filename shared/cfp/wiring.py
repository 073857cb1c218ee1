"""Builds the adapters and services a handler needs, lazily and once per warm container.

Nothing is created at import time, so tests can set the environment (or start moto) first, and ``reset``
drops every cached object between tests. ``use_clock`` is the single place where the time is injected.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from cfp.clock import Clock, SystemClock
from cfp.queues import NotificationQueue
from cfp.settings import Settings, get_settings
from cfp.store import SubmissionStore
from cfp.uploads import UploadBucket

if TYPE_CHECKING:
    from cfp.submissions import SubmissionService

_clock: list[Clock] = [SystemClock()]


def use_clock(clock: Clock) -> None:
    """Replace the clock every service reads (tests pin it; the local schedule trigger sets it)."""
    _clock[0] = clock


def clock() -> Clock:
    return _clock[0]


def settings() -> Settings:
    return get_settings()


@cache
def client(service: str) -> Any:
    """One boto3 client per service; S3 signs with SigV4 so presigned posts work on every endpoint."""
    config = Config(signature_version="s3v4", retries={"mode": "standard"}) if service == "s3" else None
    return boto3.client(service, config=config)  # type: ignore[call-overload]


def store() -> SubmissionStore:
    return SubmissionStore(client("dynamodb"), settings().table_name)


def bucket() -> UploadBucket:
    return UploadBucket(client("s3"), settings().bucket_name)


def notification_queue() -> NotificationQueue:
    return NotificationQueue(client("sqs"), settings().notification_queue_url)


def submission_service() -> SubmissionService:
    from cfp.submissions import SubmissionService

    return SubmissionService(settings(), store(), bucket(), notification_queue(), clock())


def reset() -> None:
    """Forget cached settings and clients and go back to the system clock."""
    get_settings.cache_clear()
    client.cache_clear()
    _clock[0] = SystemClock()
