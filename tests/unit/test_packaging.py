"""The layer's requirements and the project's runtime dependencies name the same packages."""

from __future__ import annotations

import re
import tomllib

from tests.aws import ROOT


def _names(lines: list[str]) -> set[str]:
    names = set()
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            names.add(re.split(r"[\[<>=!~ ]", line, maxsplit=1)[0].lower().replace("_", "-"))
    return names


def test_layer_requirements_match_runtime_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    layer = (ROOT / "shared" / "requirements.txt").read_text().splitlines()
    # boto3 ships with the Lambda runtime; PyYAML is used only by the local tooling.
    assert _names(project) - {"boto3", "pyyaml"} == _names(layer)
