"""Validator: SQS batches of S3 upload events in, one verdict per uploaded PDF, partial batch failures out.

A record fails (and is retried, then dead-lettered by the queue's redrive policy) only for reasons outside
the file: a broken file is a verdict, never an exception.
"""

from typing import Any

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from cfp import wiring
from cfp.batches import LoggedBatchProcessor
from cfp.bootstrap import build_validator
from cfp.formatcheck import warm_up
from cfp.observability import logger, metrics
from cfp.validation import uploaded_objects

# Settings are parsed at import: a misconfigured function fails at cold start, naming the variable.
wiring.load_settings()
processor = LoggedBatchProcessor()
# Paid once per cold start, so every check forks a child that already has the PDF libraries loaded.
warm_up()


# The most one record may take (the checker's 15 s wall-clock limit, a worst-case S3 read with retries, the
# writes); the template's timeout is the batch size times this.
RECORD_BUDGET_MS = 90_000


class NotStarted(Exception):
    """Too little of the invocation was left to check this record; it is retried, never half-done."""


def handle_record(record: SQSRecord, lambda_context: LambdaContext) -> None:
    if lambda_context.get_remaining_time_in_millis() < RECORD_BUDGET_MS:
        raise NotStarted("not enough time left in this invocation; the message will be retried")
    validator = build_validator(wiring.adapters())
    settings = wiring.settings()
    for upload in uploaded_objects(record.body, settings.upload_prefix):
        try:
            verdict = validator.validate(upload)
        except Exception as error:
            if int(record.attributes.approximate_receive_count) >= settings.max_receive_count:
                validator.give_up(upload, error)
            raise
        if verdict is not None:
            metrics.add_metric(name=f"Verdict_{verdict.outcome}", unit="Count", value=1)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=handle_record, processor=processor, context=context
    )
