"""``cfp bounce ADDRESS...``: what SES would report for a mail to ADDRESS, put on a running local stack's
feedback queue (moto's SES accepts every mail and never bounces, so nothing else would exercise the path).

The report is the SNS notification of a configuration set's BOUNCE (Permanent by default, ``--transient``
for a soft bounce) or COMPLAINT event, exactly as AWS delivers it to the queue; the stack's mail feedback
function records it, and the next digest names it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cfp_tools.admin import AdminError, _local_target
from cfp_tools.ses_events import bounce, complaint, sns_body

DEFAULT_API_URL = "http://127.0.0.1:3000"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="cfp bounce",
        description="Put SES's report of a mail to ADDRESS on a running cfp local's feedback queue.",
    )
    parser.add_argument("addresses", nargs="+", metavar="ADDRESS", help="the recipients SES reports")
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--transient", action="store_true", help="a soft bounce (recorded, suppresses nothing)")
    kind.add_argument("--complaint", action="store_true", help="a complaint instead of a bounce")
    parser.add_argument(
        "--api-url", default=DEFAULT_API_URL, help=f"the local stack (default {DEFAULT_API_URL})"
    )
    args = parser.parse_args(argv)
    try:
        target = _local_target(args.api_url)
    except AdminError as error:
        print(f"cfp bounce: {error}", file=sys.stderr)
        return 1
    event = (
        complaint(args.addresses)
        if args.complaint
        else bounce(
            args.addresses,
            "Transient" if args.transient else "Permanent",
            "MailboxFull" if args.transient else "General",
        )
    )
    queue_url = target.resources["MailFeedbackQueue"]
    target.client("sqs").send_message(QueueUrl=queue_url, MessageBody=sns_body(event))
    what = "complaint" if args.complaint else ("soft bounce" if args.transient else "hard bounce")
    print(f"{what} for {', '.join(args.addresses)} put on the feedback queue")
    return 0
