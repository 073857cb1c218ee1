"""Archiver: one archive job a message (queued by the organizers' console), one zip of the PDFs on record.

A failed build is retried by SQS and, after the last try (the job then says why it failed), moved to the
archive dead-letter queue; a build killed on its last try says nothing, and the deadline keeper marks its job
failed from there. A message delivered again for a job that is done builds nothing; one moved back for a
failed job builds it again.
"""

from typing import Any

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from cfp import wiring
from cfp.archive import job_id_of
from cfp.batches import LoggedBatchProcessor
from cfp.bootstrap import build_archive_builder
from cfp.observability import logger, metrics

wiring.load_settings()
processor = LoggedBatchProcessor()


def handle_record(record: SQSRecord, lambda_context: LambdaContext) -> None:
    job = build_archive_builder(wiring.adapters()).build(
        job_id_of(record.body),
        int(record.attributes.approximate_receive_count),
        lambda: lambda_context.get_remaining_time_in_millis() / 1000,
    )
    if job is not None and job.state == "done":
        logger.info("archive built", extra={"job": job.id, "files": job.total, "bytes": job.size})
        metrics.add_metric(name="ArchiveFiles", unit="Count", value=job.total or 0)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=handle_record, processor=processor, context=context
    )
