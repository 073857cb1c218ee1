"""The build check's probe sees only the paths it is given, as Lambda's interpreter does."""

from __future__ import annotations

import json
import site
import sys
from pathlib import Path

import pytest

from cfp_tools import buildcheck
from cfp_tools.buildcheck import BuildCheckError, Tools, probe

# The probe runs in whatever interpreter it is given; these tests give it this one.
HERE = Tools(sam="sam", python312=sys.executable)


def _function(tmp_path: Path, source: str) -> Path:
    directory = tmp_path / "Function"
    directory.mkdir()
    (directory / "app.py").write_text(source, encoding="utf-8")
    return directory


def test_the_handler_gets_the_event_and_its_answer_comes_back(tmp_path: Path) -> None:
    source = "import os\ndef handler(event, context):\n    return [event, os.environ['X']]\n"
    function = _function(tmp_path, source)
    answer = probe(HERE, [function], "app.handler", {"X": "from the template"}, {"n": 1})
    assert answer == {"result": [{"n": 1}, "from the template"], "outside": []}


def test_nothing_outside_the_given_paths_can_be_imported(tmp_path: Path) -> None:
    """The development venv has PyYAML; an artifact that forgot a dependency must fail, not borrow it."""
    function = _function(tmp_path, "import yaml\ndef handler(event, context):\n    return None\n")
    with pytest.raises(BuildCheckError, match="No module named 'yaml'"):
        probe(HERE, [function], "app.handler", {}, {})


def test_every_cfp_module_probe_names_a_left_out_package_that_is_present() -> None:
    """From the source tree with the development venv beside it, Pillow is there: the probe says so."""
    paths = [buildcheck.ROOT / "shared", *(Path(path) for path in site.getsitepackages())]
    answer = probe(HERE, paths, "--every-cfp-module", {"AWS_DEFAULT_REGION": "us-east-1"})["result"]
    assert answer["modules"] > 30
    assert "PIL" in answer["present"] and answer["loaded"] == []


def test_the_validator_sample_is_rewritten_to_name_the_uploaded_object() -> None:
    event = json.loads((buildcheck.ROOT / "events" / "validator-s3-upload.json").read_text())
    uploaded = {"bucket": "b-1", "key": "uploads/x/v1.pdf", "size": 3, "eTag": "e", "VersionId": "v"}
    [message] = buildcheck._upload_event(event, uploaded)["Records"]
    [record] = json.loads(message["body"])["Records"]
    assert record["s3"]["bucket"]["name"] == "b-1" and record["s3"]["bucket"]["arn"] == "arn:aws:s3:::b-1"
    assert record["s3"]["object"] == {**record["s3"]["object"], "key": "uploads/x/v1.pdf", "size": 3}
    assert record["s3"]["object"]["versionId"] == "v" and record["eventTime"].endswith("Z")


def test_each_function_has_one_sample_and_the_samples_speak_of_one_submission() -> None:
    from cfp_tools.template import Template

    template = Template(buildcheck.ROOT / "template.yaml")
    # Names for what the functions' environments refer to: finding a sample reads each function's view.
    for logical_id in template.resources:
        template.resolver.physical_ids.setdefault(logical_id, logical_id)
        for attribute in ("Arn", "QueueName"):
            template.resolver.attributes.setdefault((logical_id, attribute), f"{logical_id}.{attribute}")
    functions = [name for name, _ in template.resources_of_type("AWS::Serverless::Function")]
    samples = {buildcheck.sample_path(template, name).name for name in functions}
    assert len(samples) == len(functions)
    for name in ("validator-s3-upload", "notifier-events"):
        assert buildcheck.SAMPLE_SUBMISSION in (buildcheck.ROOT / "events" / f"{name}.json").read_text()


def test_no_python312_is_found_where_none_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    assert buildcheck.find_python312() is None
    with pytest.raises(BuildCheckError, match=r"no Python 3\.12"):
        buildcheck.find_tools("sam", None)
