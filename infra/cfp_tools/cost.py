"""The AWS bill for a number of submissions: `cfp cost [-n 1000]`.

Memory sizes, batch sizes and tracing come from ``template.yaml`` (through ``cfp_tools.template``, so a
change there changes the bill); durations are options whose defaults are measured on a 2-core machine:
the API's from ``cfp bench-e2e`` (medians of 71 ms a GET and 256 ms a create through ``cfp local``, 120 ms
weighted, an upper bound since moto and the local bridge are in them), the validator's from ``cfp bench``
(18 ms a check) plus an allowance for the S3 read and the writes. Calls per submission are counted from
the code paths and listed with each row. Prices are the us-east-1 list prices (on demand, no free tier)
from the AWS pricing pages named in ``PRICES``. Keeping the PDFs is shown apart, per month kept: it
follows how long the organizers keep them, not how many submissions the call handled.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cfp_tools.template import (
    Function,
    Resolver,
    Template,
    UnresolvedReference,
    default_template_path,
)

# (price in USD, unit, source page); us-east-1 list prices, checked when this table was written.
PRICES = {
    "lambda_gb_s_arm": (0.0000133334, "GB-second (arm64)", "aws.amazon.com/lambda/pricing"),
    "lambda_request": (0.20 / 1e6, "request", "aws.amazon.com/lambda/pricing"),
    "http_api_request": (1.00 / 1e6, "request (first 300M)", "aws.amazon.com/api-gateway/pricing"),
    "sqs_request": (0.40 / 1e6, "request (standard, 64 KB chunk)", "aws.amazon.com/sqs/pricing"),
    "s3_write": (0.005 / 1000, "PUT/POST/LIST", "aws.amazon.com/s3/pricing"),
    "s3_read": (0.0004 / 1000, "GET/HEAD", "aws.amazon.com/s3/pricing"),
    "s3_gb_month": (0.023, "GB-month (Standard)", "aws.amazon.com/s3/pricing"),
    "ddb_write": (0.625 / 1e6, "write request unit (on demand)", "aws.amazon.com/dynamodb/pricing"),
    "ddb_read": (0.125 / 1e6, "read request unit (on demand)", "aws.amazon.com/dynamodb/pricing"),
    "scheduler": (1.00 / 1e6, "invocation (after 14M free)", "aws.amazon.com/eventbridge/pricing"),
    "kms_request": (0.03 / 10_000, "request", "aws.amazon.com/kms/pricing"),
    "kms_key_month": (1.00, "key-month", "aws.amazon.com/kms/pricing"),
    "xray_trace": (5.00 / 1e6, "trace recorded", "aws.amazon.com/xray/pricing"),
    "logs_gb": (0.50, "GB ingested", "aws.amazon.com/cloudwatch/pricing"),
    "alarm_month": (0.10, "alarm-month (standard resolution)", "aws.amazon.com/cloudwatch/pricing"),
    "ses_message": (0.10 / 1000, "message", "aws.amazon.com/ses/pricing"),
}
TARGET_PER_1000 = 0.05


@dataclass(frozen=True)
class Usage:
    """How a call is used, per submission unless said otherwise."""

    reads: float  # GET /submissions/{id} by the author
    uploads: float  # PDFs uploaded (each checked)
    api_ms: float  # handler time per API request
    check_ms: float  # validator time per upload (the check, the S3 read, the writes)
    notify_ms: float  # notifier time per event (render, send once, idempotency writes)
    pdf_mb: float
    digests_per_1000: float  # notifier batches per 1,000 submissions: follows the traffic, not the uploads
    mails: float  # author mails per submission (receipt, verdict; a reminder or confirmation at most)


@dataclass
class Row:
    service: str
    quantity: float
    unit: str
    cost: float
    note: str


class _Placeholders(Resolver):
    """Resolves references to resources that were never created to their names: sizing needs the
    functions' memory and event sources, not the physical names of what they point at."""

    def ref(self, name: str) -> str:
        try:
            return super().ref(name)
        except UnresolvedReference:
            return name

    def get_att(self, resource: str, attribute: str) -> str:
        return f"{resource}.{attribute}"


def load_template(path: Path | None) -> Template:
    template = Template(path or default_template_path())
    template.resolver = _Placeholders(template.resolver.parameters)
    return template


def _gb_seconds(count: float, ms: float, function: Function) -> float:
    return count * math.ceil(ms) / 1000 * function.memory_mb / 1024


def bill(template: Template, n: int, usage: Usage) -> tuple[list[Row], Row]:
    """The rows of the bill for ``n`` submissions, and the mail row shown apart."""
    api = template.function("ApiFunction")
    validator = template.function("ValidatorFunction")
    notifier = template.function("NotifierFunction")
    validation_batch = validator.sqs_events[0].batch_size
    notification_batch = notifier.sqs_events[0].batch_size
    price = {name: value[0] for name, value in PRICES.items()}
    requests = n * (1 + usage.reads + max(0.0, usage.uploads - 1))  # create, reads, more upload URLs
    uploads = n * usage.uploads
    events = n * (1 + usage.uploads)  # a receipt, a verdict per upload
    digests = n * usage.digests_per_1000 / 1000
    # Sparse uploads are one Lambda batch each; bursts share batches of up to BatchSize.
    validator_runs = uploads
    notifier_runs = max(digests, math.ceil(events / notification_batch))
    gb_s = (
        _gb_seconds(requests, usage.api_ms, api)
        + _gb_seconds(uploads, usage.check_ms, validator)
        + _gb_seconds(events, usage.notify_ms, notifier)
    )
    invocations = requests + validator_runs + notifier_runs
    # SQS: the API's send, S3's event, the validator's receive and delete per batch, the verdict send, the
    # notifier's receives (10 a call) and deletes (10 a call).
    sqs = n + uploads + 2 * validator_runs + uploads + 2 * math.ceil(events / 10)
    s3_writes = uploads
    s3_reads = uploads + n * 0.1  # the validator's GET; digest links opened by organizers
    # DynamoDB (1 KB items): create is a two-item transaction (2 WRU each) + two hourly counters + the
    # outbox cleared + the version issued; each upload is recorded and judged; each mail writes its
    # idempotency record twice (in progress, done).
    ddb_writes = n * (2 * 2 + 2 + 1 + 1) + uploads * 2 + events * 2
    # Reads: the idempotency lookup on create, each GET (a strongly consistent partition query), the
    # validator's and the notifier's reads of the submission.
    ddb_reads = n * 1 + n * usage.reads * 2 + uploads * 2 + events * 2
    kms = n * 2  # the API seals the receipt token, the notifier opens it
    traced = {
        name: template.resolve(template.properties(f"{name}Function").get("Tracing")) == "Active"
        for name in ("Api", "Validator", "Notifier")
    }
    traces = (
        requests * traced["Api"] + validator_runs * traced["Validator"] + notifier_runs * traced["Notifier"]
    )
    logs_gb = invocations * 2.0 / 1024 / 1024  # about 2 KB of structured log per invocation
    rows = [
        Row(
            "Lambda compute",
            gb_s,
            "GB-s",
            gb_s * price["lambda_gb_s_arm"],
            _lambda_note(api, validator, notifier),
        ),
        Row(
            "Lambda requests",
            invocations,
            "requests",
            invocations * price["lambda_request"],
            f"API {requests:.0f}, validator {validator_runs:.0f}, notifier {notifier_runs:.0f}",
        ),
        Row("HTTP API", requests, "requests", requests * price["http_api_request"], "create + reads"),
        Row(
            "SQS",
            sqs,
            "requests",
            sqs * price["sqs_request"],
            f"batches of {validation_batch} (validator) and {notification_batch} (notifier)",
        ),
        Row(
            "S3 requests",
            s3_writes + s3_reads,
            "requests",
            s3_writes * price["s3_write"] + s3_reads * price["s3_read"],
            f"{s3_writes:.0f} POST, {s3_reads:.0f} GET",
        ),
        Row("DynamoDB writes", ddb_writes, "WRU", ddb_writes * price["ddb_write"], "on demand"),
        Row(
            "DynamoDB reads",
            ddb_reads,
            "RRU",
            ddb_reads * price["ddb_read"],
            "on demand, strongly consistent",
        ),
        Row(
            "KMS requests",
            kms,
            "requests",
            kms * price["kms_request"],
            "Encrypt in the API, Decrypt in the notifier",
        ),
        Row(
            "X-Ray traces",
            traces,
            "traces",
            traces * price["xray_trace"],
            "functions with Tracing: Active; at most (sampling may skip some)",
        ),
        Row("CloudWatch Logs", logs_gb, "GB", logs_gb * price["logs_gb"], "about 2 KB per invocation"),
    ]
    mails = n * usage.mails + digests
    mail = Row(
        "SES (apart)",
        mails,
        "messages",
        mails * price["ses_message"],
        f"{usage.mails:g} author mails a submission + {digests:.0f} digests",
    )
    return rows, mail


def kept_monthly(n: int, usage: Usage) -> Row:
    """Keeping the PDFs: a cost per month for as long as the organizers keep them, not per submission."""
    storage_gb = n * usage.uploads * usage.pdf_mb / 1024
    return Row(
        "S3 storage",
        storage_gb,
        "GB-month",
        storage_gb * PRICES["s3_gb_month"][0],
        f"{usage.pdf_mb} MB a PDF, every upload kept (versioned)",
    )


def _lambda_note(*functions: Function) -> str:
    return ", ".join(f"{f.logical_id.removesuffix('Function')} {f.memory_mb} MB" for f in functions)


def fixed_monthly(template: Template) -> list[Row]:
    """Costs that follow the calendar, not the submissions."""
    keeper = template.function("DeadlineFunction")
    runs = 4 * 24 * 30  # every 15 minutes
    alarms = sum(1 for _ in template.resources_of_type("AWS::CloudWatch::Alarm"))
    return [
        Row(
            "CloudWatch alarms",
            alarms,
            "alarms",
            alarms * PRICES["alarm_month"][0],
            "each function's errors and throttles, the API's 5xx, the dead letters",
        ),
        Row("KMS key", 1, "key-month", PRICES["kms_key_month"][0], "ReceiptTokenKey"),
        Row("Scheduler", runs, "invocations", runs * PRICES["scheduler"][0], "the keeper every 15 min"),
        Row(
            "Keeper compute",
            runs,
            "runs",
            _gb_seconds(runs, 300, keeper) * PRICES["lambda_gb_s_arm"][0],
            f"{keeper.memory_mb} MB, 300 ms a run (one table scan)",
        ),
    ]


def _print(rows: list[Row], title: str) -> float:
    print(title)
    print(f"  {'service':<17} {'quantity':>12} {'unit':<10} {'USD':>10}  how")
    total = 0.0
    for row in rows:
        total += row.cost
        print(f"  {row.service:<17} {row.quantity:>12,.1f} {row.unit:<10} {row.cost:>10.5f}  {row.note}")
    return total


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cfp cost", description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=1000, help="submissions (default 1000)")
    parser.add_argument("--template", type=Path, default=None)
    parser.add_argument("--reads", type=float, default=3, help="GETs per submission (default 3)")
    parser.add_argument("--uploads", type=float, default=1.5, help="uploads per submission (default 1.5)")
    parser.add_argument("--api-ms", type=float, default=120, help="API ms per request (default 120)")
    parser.add_argument("--check-ms", type=float, default=120, help="validator ms per upload (default 120)")
    parser.add_argument("--notify-ms", type=float, default=40, help="notifier ms per event (default 40)")
    parser.add_argument("--pdf-mb", type=float, default=0.5, help="MB per PDF (default 0.5)")
    parser.add_argument(
        "--digests", type=float, default=200, help="digests per 1,000 submissions (default 200)"
    )
    parser.add_argument("--mails", type=float, default=3, help="author mails per submission (default 3)")
    args = parser.parse_args(argv)
    template = load_template(args.template)
    usage = Usage(
        args.reads,
        args.uploads,
        args.api_ms,
        args.check_ms,
        args.notify_ms,
        args.pdf_mb,
        args.digests,
        args.mails,
    )
    rows, mail = bill(template, args.n, usage)
    total = _print(rows, f"AWS bill for {args.n} submissions (us-east-1 list prices, arm64, no free tier)")
    per_1000 = total * 1000 / args.n
    verdict = "held" if per_1000 < TARGET_PER_1000 else "MISSED"
    print(
        f"  {'total':<17} {'':>12} {'':<10} {total:>10.5f}  ${per_1000:.4f} per 1,000 submissions "
        f"(target < ${TARGET_PER_1000:.2f}: {verdict})"
    )
    _print([mail], "Mail, apart")
    _print(
        [kept_monthly(args.n, usage)], f"Keeping the PDFs of {args.n} submissions, each month they are kept"
    )
    fixed = _print(fixed_monthly(template), "Each month the stack exists, whatever the submissions")
    print(f"  {'total':<17} {'':>12} {'':<10} {fixed:>10.5f}")
    print("Prices:")
    for unit, source in sorted({(f"{v[1]}: ${v[0]:.10g}", v[2]) for v in PRICES.values()}):
        print(f"  {unit}  ({source})")
    return 0 if per_1000 < TARGET_PER_1000 else 1
