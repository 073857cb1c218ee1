"""Mail feedback: SES's bounces and complaints in (SNS notifications through the feedback queue); recorded.

Each message is SES's report for one sent mail; its recipients' addresses are suppressed (for a bounce
for good or a complaint) and recorded on the submissions they belong to, whose next digest names them. A
message that is not such a report, or that cannot be recorded, is retried and then dead-lettered.
"""

from typing import Any

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from cfp import wiring
from cfp.batches import LoggedBatchProcessor
from cfp.bootstrap import build_mail_feedback
from cfp.observability import logger, metrics
from cfp.ses_feedback import feedback_in

# Settings are parsed at import: a misconfigured function fails at cold start, naming the variable.
wiring.load_settings()
processor = LoggedBatchProcessor()


def handle_record(record: SQSRecord) -> None:
    recorded = build_mail_feedback(wiring.adapters()).record(feedback_in(record.body))
    metrics.add_metric(name="MailFeedbackRecorded", unit="Count", value=recorded)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=handle_record, processor=processor, context=context
    )
