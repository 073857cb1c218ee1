"""Sign-in: requests for an organizer's sign-in link in (queued by the API for any address); the link out.

Taking the mail off the request path keeps the API's answer the same work for every address. A request for
an address that is not an organizer's ends here; one for an organizer's mails a link unless a link still
unused went to that mailbox less than a minute ago. A mail that fails for a passing reason is retried by
SQS, then dead-lettered.
"""

from typing import Any

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from cfp import wiring
from cfp.batches import LoggedBatchProcessor
from cfp.bootstrap import build_sign_in
from cfp.observability import logger, metrics

# Settings are parsed at import: a misconfigured function fails at cold start, naming the variable (a send
# without the configuration set would leave its bounces and complaints unreported).
wiring.load_settings("configuration_set")
processor = LoggedBatchProcessor()


def handle_record(record: SQSRecord) -> None:
    if build_sign_in(wiring.adapters()).mail_link(record.body):
        metrics.add_metric(name="SignInLinksMailed", unit="Count", value=1)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=handle_record, processor=processor, context=context
    )
