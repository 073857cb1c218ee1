"""The local stack creates every resource of the real template in moto, and leaves out only what it names."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cfp_tools.local.resources import NOT_EMULATED, Resources, physical_name
from cfp_tools.template import Template, TemplateError, arn

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _build(template: Template, moto_url: str) -> Resources:
    """Create the resources in the template's order as ``cfp local`` does, naming functions as it does."""
    resources = Resources(template, moto_url, 3000, lambda line: None)
    for logical_id in template.creation_order():
        if template.resources[logical_id]["Type"] == "AWS::Serverless::Function":
            template.function(logical_id)  # its environment resolves against what exists so far
            name = physical_name(logical_id)
            resources.remember(logical_id, name, Arn=arn("lambda", f"function:{name}"))
        else:
            resources.create(logical_id)
    return resources


def test_every_resource_of_the_template_is_created_or_deliberately_left_out(moto_url: str) -> None:
    template = Template(ROOT / "template.yaml")
    resources = _build(template, moto_url)
    left_out = {entry.split(" (")[1].rstrip(")") for entry in resources.skipped}
    assert left_out <= set(NOT_EMULATED)
    # The alarms, what SES would publish to and the functions' log groups are what the local stack leaves out.
    assert {
        "AWS::CloudWatch::Alarm",
        "AWS::Logs::LogGroup",
        "AWS::SES::ConfigurationSetEventDestination",
    } <= left_out
    # Every send names the configuration set, which exists as on AWS.
    named = template.function("NotifierFunction").environment["CONFIGURATION_SET"]
    sets = resources.client("sesv2").list_configuration_sets()["ConfigurationSets"]
    assert named in sets
    bucket = template.resolver.physical_ids["UploadsBucket"]
    assert template.function("ValidatorFunction").environment["BUCKET_NAME"] == bucket
    assert bucket in {b["Name"] for b in resources.client("s3").list_buckets()["Buckets"]}


def test_a_resource_type_it_cannot_create_stops_the_stack(moto_url: str, tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(
        "Resources:\n  Mystery:\n    Type: AWS::EC2::Instance\n    Properties: {}\n", encoding="utf-8"
    )
    resources = Resources(Template(path), moto_url, 3000, lambda line: None)
    with pytest.raises(TemplateError, match="Mystery: the local stack cannot create AWS::EC2::Instance"):
        resources.create("Mystery")
