"""Notifier: SQS batches of notification events in; author mails and one organizer digest out.

The event source batches up to 500 messages for up to 60 s, so a burst of uploads becomes one digest.
A record whose mail fails for a passing reason is reported as a partial batch failure and retried, then
dead-lettered; mails already sent are not sent again (idempotency keyed on the event id). A record whose
mail another invocation is sending at that moment is handed back to come again within seconds, not after
the queue's visibility timeout (half an hour).
"""

from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from cfp import wiring
from cfp.batches import LoggedBatchProcessor
from cfp.bootstrap import build_notifier
from cfp.errors import SendInProgress
from cfp.events import NotificationEvent
from cfp.notifications import BatchOutcome, Notifier
from cfp.observability import logger, metrics

# Settings are parsed at import: a misconfigured function fails at cold start, naming the variable (a send
# without the configuration set would leave its bounces and complaints unreported).
wiring.load_settings("configuration_set")
processor = LoggedBatchProcessor()
# A mail in flight elsewhere is usually sent (or its claim released) within seconds: look at it again then,
# and three times later at each further delivery (5, 15, 45, 135 s), so a duplicate waiting on a batch that
# sends hundreds of mails at MailsPerSecond is not dead-lettered while it only waits.
IN_PROGRESS_RETRY_SECONDS = 5


def in_progress_retry_seconds(receive_count: int) -> int:
    return int(min(IN_PROGRESS_RETRY_SECONDS * 3 ** max(receive_count - 1, 0), 900))


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    notifier: Notifier = build_notifier(wiring.adapters(), context=context)
    outcome = BatchOutcome()

    def handle_record(record: SQSRecord) -> None:
        try:
            notifier.handle(NotificationEvent.model_validate_json(record.body), outcome)
        except SendInProgress:
            deliveries = int(record.attributes.approximate_receive_count or 1)
            wiring.adapters().notification_queue.retry_soon(
                record.receipt_handle, in_progress_retry_seconds(deliveries)
            )
            raise

    with processor(records=event["Records"], handler=handle_record, lambda_context=context):
        processor.process()
    notifier.digest(outcome)
    metrics.add_metric(name="EventsNotified", unit="Count", value=len(outcome.events))
    return processor.response()
