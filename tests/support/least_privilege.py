"""Least privilege, recorded: each function is granted exactly the AWS calls its handler tests make.

``tests.support.recorded_calls`` records every call each handler makes, as its IAM action and resource,
while the handler tests run. The template (as SAM expands it) must grant each of those to that function,
and every action it grants must have been seen, unless the function's
``Metadata.GrantedWithoutRecordedCall`` gives the reason. Each problem names the function, the action and
the resource, so a new call after a change is one line to add.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from cfp_tools.template import load_yaml, references, transform_offline

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
FUNCTIONS = {"api", "validator", "notifier", "deadline", "archiver", "signin", "releaser", "feedback"}

Grant = tuple[str, str | None]  # an action pattern and the logical id of its resource (None: not ours)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _sub_text(value: Any) -> str:
    text = value.get("Fn::Sub", "") if isinstance(value, dict) else value
    return str(text[0] if isinstance(text, list) else text)


class Permissions:
    """What the template grants each function, and which resource each environment variable names."""

    def __init__(self, raw: dict[str, Any], transformed: dict[str, Any]) -> None:
        self.raw = raw["Resources"]
        self.transformed = transformed["Resources"]
        self.bucket_names = {
            name: _sub_text(res["Properties"]["BucketName"])
            for name, res in self.raw.items()
            if res["Type"] == "AWS::S3::Bucket" and "BucketName" in res["Properties"]
        }

    def function(self, directory: str) -> str:
        """The logical id of the function whose code is ``functions/<directory>/``."""
        for name, res in self.raw.items():
            code = res["Properties"].get("CodeUri", "") if res["Type"] == "AWS::Serverless::Function" else ""
            if code.rstrip("/") == f"functions/{directory}":
                return str(name)
        raise AssertionError(f"no function in the template has CodeUri functions/{directory}/")

    def named_by(self, variable: str, environment: dict[str, Any]) -> str | None:
        """The resource an environment variable names: a Ref, or a bucket by its explicit name."""
        value = environment.get(variable)
        found = references(value) & set(self.raw)
        if found:
            return found.pop()
        return next((b for b, text in self.bucket_names.items() if text == _sub_text(value)), None)

    def resources(self, resource: Any) -> set[str | None]:
        named = references(resource) & set(self.raw)
        named |= {b for b, text in self.bucket_names.items() if text in _sub_text(resource)}
        return set(named) or {None}

    def granted(self, function: str) -> set[Grant]:
        role = self.transformed[f"{function}Role"]["Properties"]
        grants: set[Grant] = set()
        for policy in role.get("Policies", []):
            for statement in _as_list(policy["PolicyDocument"]["Statement"]):
                assert statement["Effect"] == "Allow", (function, statement)
                for action in _as_list(statement["Action"]):
                    for resource in _as_list(statement["Resource"]):
                        grants |= {(action, named) for named in self.resources(resource)}
        return grants

    def explained(self, function: str) -> set[str]:
        reasons = self.raw[function].get("Metadata", {}).get("GrantedWithoutRecordedCall", [])
        assert all(entry.get("Reason") for entry in reasons), f"{function}: every entry needs a Reason"
        return {entry["Action"] for entry in reasons}


def compare(
    recorded: list[dict[str, Any]], permissions: Permissions, environment: dict[str, Any]
) -> list[str]:
    """Every problem, one line each: a call not granted, or a grant never used and not explained."""
    problems: list[str] = []
    used: dict[str, set[Grant]] = {}
    for call in recorded:
        function = permissions.function(call["function"])
        resource = permissions.named_by(call["resource"], environment) if call["resource"] else None
        if call["resource"] and resource is None:
            problems.append(f"{function}: {call['action']} on {call['resource']}, which names no resource")
        grants = permissions.granted(function)
        matching = {
            (pattern, named)
            for pattern, named in grants
            if fnmatchcase(call["action"], pattern) and (named is None or named == resource)
        }
        if not matching:
            where = f" on {resource}" if resource else ""
            problems.append(f"{function} calls {call['action']}{where}, which the template does not grant it")
        used.setdefault(function, set()).update(matching)
    functions = [n for n, r in permissions.raw.items() if r["Type"] == "AWS::Serverless::Function"]
    for function in functions:
        explained = permissions.explained(function)
        for pattern, named in sorted(permissions.granted(function) - used.get(function, set()), key=str):
            if pattern not in explained:
                where = f" on {named}" if named else ""
                problems.append(
                    f"{function} is granted {pattern}{where}, which no test saw it call: remove it, or say"
                    " why in its Metadata.GrantedWithoutRecordedCall"
                )
    return problems


def environment_of(raw: dict[str, Any]) -> dict[str, Any]:
    """The variables every function gets, and those one function gets of its own (their names differ)."""
    merged = dict(raw["Globals"]["Function"]["Environment"]["Variables"])
    for resource in raw["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            merged.update(resource["Properties"].get("Environment", {}).get("Variables", {}))
    return merged


def problems_with(recorded: list[dict[str, Any]]) -> list[str]:
    """What is wrong between the calls recorded and the template's grants; empty when they match."""
    raw = load_yaml(TEMPLATE)
    seen = {call["function"] for call in recorded}
    if seen != FUNCTIONS:
        every = sorted(FUNCTIONS)
        return [f"the handler tests recorded calls of {sorted(seen)}, not of every function {every}"]
    return compare(recorded, Permissions(raw, transform_offline(TEMPLATE)), environment_of(raw))
