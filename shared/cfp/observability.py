"""Logger, tracer and metrics, created once and shared by every layer (service name from the template)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
