"""Logger and metrics, created once and shared by every layer (service name from the template).

Tracing is Lambda's own (``Tracing: Active`` in the template records every invocation, its cold start and
its duration). Powertools' Tracer is left out on purpose: it imports the X-Ray SDK, which costs about
140 ms of every cold start on this code's critical path (measured: boto3 120 ms, X-Ray SDK 140 ms,
Logger and Metrics 10 ms), for subsegments that these short functions do not need.
"""

from __future__ import annotations

import warnings

from aws_lambda_powertools import Logger, Metrics

# An invocation that had nothing to count (a quiet batch, a read) is normal here, not worth a warning.
warnings.filterwarnings("ignore", message="No application metrics to publish")

logger = Logger()
metrics = Metrics()
