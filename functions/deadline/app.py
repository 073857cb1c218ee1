"""Deadline keeper: fired by EventBridge Scheduler; publishes the reminders and closing events now due, and
marks failed the archive jobs whose build was killed on its last try.

An ``at`` field in the event (ISO 8601) replays the schedule at that instant instead of the wall clock,
which is how the local stack walks through a deadline in a minute.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from cfp import wiring
from cfp.bootstrap import build_keeper
from cfp.clock import FixedClock
from cfp.deadline import parse_deadline
from cfp.observability import logger, metrics

# Settings are parsed at import: a misconfigured function fails at cold start, naming the variable.
wiring.load_settings(
    "validation_queue_url", "validation_dead_letter_queue_url", "archive_dead_letter_queue_url"
)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    at = event.get("at") if isinstance(event, dict) else None
    result = build_keeper(wiring.adapters(FixedClock(parse_deadline(str(at))) if at else None)).run()
    metrics.add_metric(name="RemindersQueued", unit="Count", value=result["reminders"])
    return result
