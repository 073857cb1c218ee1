"""Notifier: SQS batches of notification events in; author mails and one organizer digest out.

The event source batches up to 500 messages for up to 60 s, so a burst of uploads becomes one digest.
A record whose mail fails for a passing reason is reported as a partial batch failure and retried, then
dead-lettered; mails already sent are not sent again (idempotency keyed on the event id).
"""

from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from cfp import wiring
from cfp.batches import LoggedBatchProcessor
from cfp.events import NotificationEvent
from cfp.notifications import BatchOutcome, Notifier
from cfp.observability import logger, metrics

# Settings are parsed at import: a misconfigured function fails at cold start, naming the variable.
wiring.load_settings()
processor = LoggedBatchProcessor()


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    notifier: Notifier = wiring.notifier(context)
    outcome = BatchOutcome()

    def handle_record(record: SQSRecord) -> None:
        notifier.handle(NotificationEvent.model_validate_json(record.body), outcome)

    with processor(records=event["Records"], handler=handle_record, lambda_context=context):
        processor.process()
    notifier.digest(outcome)
    metrics.add_metric(name="EventsNotified", unit="Count", value=len(outcome.events))
    return processor.response()
