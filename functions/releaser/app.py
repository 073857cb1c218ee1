"""Releaser: one job a message, queued by the organizers' console or ``cfp admin``: a release of decisions
(send exactly what its preview recorded, each mail once) or a decision on many submissions (apply it).

Both are safe to run again: each decision mail is claimed by one conditional write and a decision job's
updates name the job, so a redelivered message, a second releaser at the same time or a retry after a
fault finishes the work without doing any of it twice. A job that keeps failing says so on its record and
its message waits in the release dead-letter queue, from where the console moves it back.
"""

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from cfp import wiring
from cfp.batches import LoggedBatchProcessor
from cfp.bootstrap import build_releases
from cfp.observability import logger, metrics

wiring.load_settings()
processor = LoggedBatchProcessor()


def handle_record(record: SQSRecord) -> None:
    message = json.loads(record.body)
    releases = build_releases(wiring.adapters())
    if "decision_job" in message:
        releases.apply_decision_job(str(message["decision_job"]))
        return
    view = releases.process(str(message["release_id"]))
    if view is not None:
        logger.info("release sent", extra={"release": view.id, "sent": len(view.sent), "total": view.total})
        metrics.add_metric(name="DecisionsReleased", unit="Count", value=len(view.sent))


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=handle_record, processor=processor, context=context
    )
