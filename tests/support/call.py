"""The call as ``template.yaml`` deploys it by default: its parameters' defaults, read from the template, so
no test keeps a copy that could drift from it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from cfp.deadline import parse_deadline
from cfp_tools.template import Template

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
DEFAULTS: dict[str, str] = {
    parameter.name: parameter.default
    for parameter in Template(TEMPLATE).parameters.values()
    if parameter.default is not None
}

# The call's deadline and the final one, as the template writes them and as instants.
DEADLINE: str = DEFAULTS["Deadline"]
FINAL_DEADLINE: str = DEFAULTS["FinalDeadline"]
DEADLINE_AT: datetime = parse_deadline(DEADLINE)
FINAL_DEADLINE_AT: datetime = parse_deadline(FINAL_DEADLINE)
