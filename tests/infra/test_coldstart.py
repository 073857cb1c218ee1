"""`cfp coldstart --artifact` imports each handler from a built package, the way Lambda does."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from cfp_tools import coldstart
from cfp_tools.template import Template, default_template_path

FUNCTIONS = [
    name for name, _ in Template(default_template_path()).resources_of_type("AWS::Serverless::Function")
]
# Each handler by its folder under functions/, as the cold-start table names it.
HANDLERS = {
    Path(str(resource["Properties"]["CodeUri"])).name
    for _, resource in Template(default_template_path()).resources_of_type("AWS::Serverless::Function")
}


def _artifact(tmp_path: Path) -> tuple[Path, Path]:
    """A built package's shape: a directory per function, the layer's python/, the runtime's boto3."""
    build = tmp_path / "build"
    for name in FUNCTIONS:
        (build / name).mkdir(parents=True)
        (build / name / "app.py").write_text("import layered\n", encoding="utf-8")
    (build / "SharedLayer" / "python").mkdir(parents=True)
    (build / "SharedLayer" / "python" / "layered.py").write_text("import boto3\n", encoding="utf-8")
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    (runtime / "boto3.py").write_text("", encoding="utf-8")
    return build, runtime


def test_each_handler_is_imported_from_the_artifact_alone(tmp_path: Path) -> None:
    build, runtime = _artifact(tmp_path)
    probes = coldstart._artifact_probes(build, runtime, sys.executable)
    assert set(probes) == {"import boto3", *HANDLERS}
    interpreter, isolated, no_site, _, _, paths, module = probes["api"]
    assert (interpreter, isolated, no_site, module) == (sys.executable, "-I", "-S", "app")
    assert json.loads(paths) == [str(build / "ApiFunction"), str(build / "SharedLayer/python"), str(runtime)]
    assert json.loads(probes["import boto3"][5]) == [str(runtime)]


def test_the_table_states_each_handler_against_boto3_from_the_same_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build, runtime = _artifact(tmp_path)
    arguments = ["--artifact", str(build), "--runtime", str(runtime), "--runs", "1", "--python312"]
    coldstart.main([*arguments, sys.executable])
    rows = {line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]}
    assert rows == {"import", *HANDLERS}


def test_without_a_build_it_says_to_run_the_build_check(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="run cfp buildcheck first"):
        coldstart._artifact_probes(tmp_path, tmp_path / "runtime", sys.executable)


def test_each_import_is_reported_with_its_cpu_time_beside_the_wall_clock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build, runtime = _artifact(tmp_path)
    probes = coldstart._artifact_probes(build, runtime, sys.executable)
    wall, cpu = coldstart._sample(probes["api"], {"PATH": ""})
    assert wall >= 0 and cpu >= 0
    arguments = ["--artifact", str(build), "--runtime", str(runtime), "--runs", "1", "--python312"]
    coldstart.main([*arguments, sys.executable])
    header, *rows = capsys.readouterr().out.splitlines()
    assert header.split()[:7] == ["import", "median", "ms", "max", "ms", "x", "boto3"]
    assert "CPU x" in header
    assert all(len(row.split()) >= 6 for row in rows)
