"""Notifier: SQS batches of notification events in; author mails and one organizer digest out.

The event source batches up to 500 messages for up to 60 s, so a burst of uploads becomes one digest.
A record whose mail fails for a passing reason is reported as a partial batch failure and retried, then
dead-lettered; mails already sent are not sent again (idempotency keyed on the event id).
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from cfp import wiring
from cfp.batches import BatchResponse, process_records
from cfp.events import NotificationEvent
from cfp.notifications import BatchOutcome, Notifier
from cfp.observability import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> BatchResponse:
    notifier: Notifier = wiring.notifier(context)
    outcome = BatchOutcome()

    def handle_record(record: dict[str, Any]) -> None:
        notifier.handle(NotificationEvent.model_validate_json(record["body"]), outcome)

    response = process_records(event["Records"], handle_record)
    notifier.digest(outcome)
    metrics.add_metric(name="EventsNotified", unit="Count", value=len(outcome.events))
    return response
