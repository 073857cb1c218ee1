"""The layer's lock pins every package the layer ships, and the tests run exactly those versions."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib

from tests.support.aws import ROOT

LAYER_LOCK = ROOT / "shared" / "requirements.txt"
RUNTIME_LOCK = ROOT / "infra" / "lambda-runtime.txt"


def _pins(text: str) -> dict[str, str]:
    """``name==version`` lines of a lock; any other requirement line fails."""
    pins = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([A-Za-z0-9_.+-]+)", line)
            assert match, f"not an exact pin: {line}"
            pins[_normal(match[1])] = match[2]
    return pins


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _names(lines: list[str]) -> set[str]:
    return {_normal(re.split(r"[\[<>=!~ ]", line, maxsplit=1)[0]) for line in lines}


def test_the_layer_lock_pins_each_runtime_dependency_of_the_project() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    layer = _pins(LAYER_LOCK.read_text())
    # boto3 ships with the Lambda runtime (its own lock); PyYAML is used only by the local tooling.
    assert _names(project) - {"boto3", "pyyaml"} <= set(layer)
    assert set(_pins(RUNTIME_LOCK.read_text())) >= {"boto3", "botocore"}
    # pikepdf's image and XMP helpers are never used: the layer leaves their libraries out.
    assert not {"pillow", "lxml"} & set(layer)


def test_the_tests_run_the_versions_the_layer_and_the_runtime_ship() -> None:
    for lock in (LAYER_LOCK, RUNTIME_LOCK):
        for name, version in _pins(lock.read_text()).items():
            assert importlib.metadata.version(name) == version, f"{name}: the lock {lock.name} says {version}"


def test_every_dependency_of_a_locked_package_is_locked_or_deliberately_left_out() -> None:
    """The layer installs with --no-deps, so a dependency missing from the lock would be missing on Lambda."""
    from packaging.requirements import Requirement

    locked = set(_pins(LAYER_LOCK.read_text())) | set(_pins(RUNTIME_LOCK.read_text()))
    environment = {"python_version": "3.12", "python_full_version": "3.12.0", "extra": ""}
    for name in _pins(LAYER_LOCK.read_text()):
        for text in importlib.metadata.requires(name) or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate(environment):
                assert _normal(requirement.name) in locked | {"pillow", "lxml"}, (name, requirement.name)


def test_the_layer_is_built_from_the_lock_without_resolving_and_with_its_bytecode() -> None:
    makefile = (ROOT / "shared" / "Makefile").read_text()
    assert "--no-deps" in makefile and "--requirement requirements.txt" in makefile
    assert "compileall" in makefile and "--invalidation-mode unchecked-hash" in makefile
    template = (ROOT / "template.yaml").read_text()
    assert "BuildMethod: makefile" in template
