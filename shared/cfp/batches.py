"""Partial batch responses for the SQS-fed functions.

Each record is handled on its own; those that raise are named in ``batchItemFailures`` so SQS retries only
them (the event sources set ``ReportBatchItemFailures``). Powertools' BatchProcessor does the same, but its
import loads the data classes of every event source Lambda has, about 40 ms of each cold start.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypedDict

from cfp.observability import logger


class ItemFailure(TypedDict):
    itemIdentifier: str


class BatchResponse(TypedDict):
    batchItemFailures: list[ItemFailure]


def process_records(
    records: Iterable[dict[str, Any]], handle: Callable[[dict[str, Any]], None]
) -> BatchResponse:
    """Run ``handle`` on every record, whatever the others do; the response names the ones that raised."""
    failures: list[ItemFailure] = []
    for record in records:
        try:
            handle(record)
        except Exception:
            logger.exception(
                "record failed; SQS will deliver it again", extra={"message_id": record["messageId"]}
            )
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
