"""Powertools' SQS batch processor, with one log line for every record that fails.

The default processor keeps failed records to itself (or, given a logger, logs the exception's text,
which may quote a title or an address). Here each failure is logged with what an operator needs to find
the message in its queue and nothing an author wrote: the message id, how often SQS has delivered it,
and the exception's type.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.base import FailureResponse
from aws_lambda_powertools.utilities.batch.exceptions import ExceptionInfo
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from cfp.observability import logger, metrics


class LoggedBatchProcessor(BatchProcessor):
    """A ``BatchProcessor`` for SQS that reports partial failures and logs each failed record."""

    def __init__(self) -> None:
        super().__init__(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def failure_handler(self, record: Any, exception: ExceptionInfo) -> FailureResponse:
        failure = exception[0]
        sqs = record if isinstance(record, SQSRecord) else None
        logger.error(
            "record failed; SQS will deliver it again, then move it to the dead-letter queue",
            extra={
                "message_id": sqs.message_id if sqs else None,
                "receive_count": int(sqs.attributes.approximate_receive_count) if sqs else None,
                "exception": failure.__name__ if failure else None,
            },
        )
        metrics.add_metric(name="RecordFailed", unit="Count", value=1)
        return super().failure_handler(record, exception)
