"""``samconfig.toml`` read the way the SAM CLI reads it: every value whole, and no call deployed by accident.

SAM (1.170, ``samcli.cli.types.CfnParameterOverridesType``) reads the file with a TOML parser, flattens
``parameter_overrides`` into strings, and splits each string into ``Key=Value`` pairs with the regular
expressions below, copied from it: an unquoted value ends at the first space (``ConferenceName=AI Systems
Workshop`` is read as ``AI``), a quoted one runs to its closing quote, which is then removed.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from cfp_tools.template import load_yaml

ROOT = Path(__file__).resolve().parents[2]

# samcli/cli/types.py: PARAM_AND_METADATA_KEY_REGEX and _generate_match_regex(".", delim=" ").
_KEY = r"""([A-Za-z0-9\"']+)"""
_VALUE = r"""(\"(?:\\.|[^\"\\]+)*\"|'(?:\\.|[^'\\]+)*'|(?:\\.|[^ \"\\]+)+)"""
_PATTERNS = (rf"(?:ParameterKey={_KEY},ParameterValue={_VALUE})", rf"(?:(?: ){_KEY}={_VALUE})")


def _unquote(value: str) -> str:
    """samcli.cli.types._unquote_wrapped_quotes."""
    if value and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return value.replace("\\ ", " ").replace('\\"', '"').replace("\\'", "'")


def sam_parameter_overrides(values: Any) -> dict[str, str]:
    """What SAM makes of ``parameter_overrides`` (strings or lists of strings, as in this file)."""
    strings = values if isinstance(values, list) else [values]
    parameters: dict[str, str] = {}
    for value in strings:
        normalized = " " + str(value).strip()
        for pattern in _PATTERNS:
            groups = re.findall(pattern, normalized)
            if groups:
                parameters.update(groups)
                break
        else:
            raise ValueError(f"{value} is not a valid format for SAM")
    return {_unquote(key): _unquote(value) for key, value in parameters.items()}


@pytest.fixture(scope="module")
def deploy() -> dict[str, Any]:
    with (ROOT / "samconfig.toml").open("rb") as file:
        parameters: dict[str, Any] = tomllib.load(file)["default"]["deploy"]["parameters"]
    return parameters


def test_the_parser_reads_an_unquoted_value_with_spaces_as_its_first_word_as_sam_does() -> None:
    assert sam_parameter_overrides(["ConferenceName=AI Systems Workshop at SOSP 2017"]) == {
        "ConferenceName": "AI"
    }
    # Compared with SAM CLI 1.170's own CfnParameterOverridesType().convert on the same inputs.
    assert sam_parameter_overrides(['A="x y" B=2']) == {"A": "x y", "B": "2"}
    assert sam_parameter_overrides(['A=\'x y\' B="it\\"s"']) == {"A": "x y", "B": 'it"s'}


def test_sam_reads_every_parameter_override_whole(deploy: dict[str, Any]) -> None:
    overrides = deploy["parameter_overrides"]
    parsed = sam_parameter_overrides(overrides)
    assert len(parsed) == len(overrides)
    for line in overrides:
        key, _, value = line.partition("=")
        assert parsed[key] == _unquote(value), key


def test_every_override_names_a_template_parameter(deploy: dict[str, Any]) -> None:
    declared = load_yaml(ROOT / "template.yaml")["Parameters"]
    assert set(sam_parameter_overrides(deploy["parameter_overrides"])) <= set(declared)


def test_a_plain_deploy_before_the_guided_one_is_refused_rather_than_opening_a_closed_call(
    deploy: dict[str, Any],
) -> None:
    """The call's own values are placeholders that fail the template's constraints, so CloudFormation
    names them; none is a past deadline or an example address that SES would refuse."""
    declared = load_yaml(ROOT / "template.yaml")["Parameters"]
    parsed = sam_parameter_overrides(deploy["parameter_overrides"])
    for name in ("Deadline", "SenderEmail", "OrganizerEmails"):
        value, spec = parsed[name], declared[name]
        assert value.startswith("<") and value.endswith(">"), name
        refused = len(value) > int(spec.get("MaxLength", 10**6)) or not re.fullmatch(
            spec["AllowedPattern"], value
        )
        assert refused, f"{name}={value!r} would be accepted by CloudFormation"
    assert "example.org" not in str(parsed) and "2017" not in str(parsed)
    # The region is asked too; a placeholder is no region name, so nothing is created by mistake.
    assert not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", deploy["region"])
    assert deploy["region"].startswith("<")
