"""What a first deploy on a fresh AWS account needs from the template, and what a retry after a failure needs.

These are the limits AWS enforces at deploy time, which moto and cfn-lint do not: the account's
unreserved concurrency, names that survive a failed create or a delete, the batching window Lambda accepts,
SnapStart's regions and the 4 KB of a function's environment.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from cfp_tools.template import Resolver, Template, load_yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
FUNCTIONS = tuple(
    name
    for name, res in load_yaml(TEMPLATE)["Resources"].items()
    if res["Type"] == "AWS::Serverless::Function"
)


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return load_yaml(TEMPLATE)


class _In(Resolver):
    """Parameters, in a region and partition of our choosing."""

    def __init__(self, parameters: dict[str, str], region: str = "us-east-1", partition: str = "aws") -> None:
        super().__init__(parameters)
        self.where = {"AWS::Region": region, "AWS::Partition": partition}

    def ref(self, name: str) -> str:
        return self.where.get(name) or super().ref(name)


def _condition(raw: dict[str, Any], name: str, resolver: Resolver) -> bool:
    """Evaluate one of the template's conditions as CloudFormation does."""

    def evaluate(value: Any) -> Any:
        if isinstance(value, dict) and len(value) == 1:
            (key, argument), *_ = value.items()
            if key == "Condition":
                return evaluate(raw["Conditions"][argument])
            if key == "Fn::Equals":
                return str(evaluate(argument[0])) == str(evaluate(argument[1]))
            if key == "Fn::Not":
                return not evaluate(argument[0])
            if key == "Fn::And":
                return all(evaluate(item) for item in argument)
            if key == "Fn::Or":
                return any(evaluate(item) for item in argument)
            return resolver.resolve(value)
        return value

    return bool(evaluate(raw["Conditions"][name]))


def _defaults(raw: dict[str, Any], **overrides: str) -> dict[str, str]:
    values = {name: str(spec.get("Default", "")) for name, spec in raw["Parameters"].items()}
    return {**values, **overrides}


def _if(raw: dict[str, Any], value: Any, parameters: dict[str, str]) -> Any:
    """The branch of an ``Fn::If`` that CloudFormation takes (None for ``AWS::NoValue``)."""
    condition, when_true, when_false = value["Fn::If"]
    chosen = when_true if _condition(raw, condition, _In(parameters)) else when_false
    return None if chosen == {"Ref": "AWS::NoValue"} else chosen


def test_no_concurrency_is_reserved_unless_the_operator_asks(raw: dict[str, Any]) -> None:
    """A new account's quota is 10 and Lambda keeps 10 unreserved: any reservation fails its first deploy."""
    default = _defaults(raw)
    capped = _defaults(raw, ReservedConcurrency="true")
    assert raw["Parameters"]["ReservedConcurrency"]["Default"] == "false"
    caps = {"ValidatorFunction": 5, "NotifierFunction": 2, "ArchiverFunction": 2, "ReleaserFunction": 2}
    for name in FUNCTIONS:
        props = raw["Resources"][name]["Properties"]
        reserved = props.get("ReservedConcurrentExecutions")
        if name not in caps:
            assert reserved is None, name
            continue
        assert _if(raw, reserved, default) is None, name
        assert _if(raw, reserved, capped) == caps[name], name
        # The event source caps the batches in flight either way.
        (source,) = props["Events"].values()
        assert source["Properties"]["ScalingConfig"]["MaximumConcurrency"] == caps[name], name


def test_what_outlives_the_stack_goes_with_a_failed_first_create(raw: dict[str, Any]) -> None:
    kept = {
        name
        for name, resource in raw["Resources"].items()
        if resource.get("DeletionPolicy") not in (None, "Delete")
    }
    assert kept == {"UploadsBucket", "AccessLogsBucket", "SubmissionsTable"}
    for name in kept:
        assert raw["Resources"][name]["DeletionPolicy"] == "RetainExceptOnCreate", name
        assert raw["Resources"][name]["UpdateReplacePolicy"] == "Retain", name


def test_nothing_kept_has_a_name_that_a_new_stack_of_the_same_name_would_reuse(raw: dict[str, Any]) -> None:
    names = {"BucketName", "TableName", "QueueName", "LogGroupName", "TopicName", "Name", "FunctionName"}
    for logical_id, resource in raw["Resources"].items():
        for key in names & set(resource.get("Properties") or {}):
            assert logical_id == "UploadsBucket" and key == "BucketName", (logical_id, key)


def _bucket_name(stack_id: str) -> str:
    template = Template(TEMPLATE)
    template.resolver = _WithStackId(template.resolver.parameters, stack_id)
    name = template.resolve(template.properties("UploadsBucket")["BucketName"])
    assert isinstance(name, str)
    return name


class _WithStackId(Resolver):
    def __init__(self, parameters: dict[str, str], stack_id: str) -> None:
        super().__init__(parameters)
        self.stack_id = stack_id

    def ref(self, name: str) -> str:
        return self.stack_id if name == "AWS::StackId" else super().ref(name)


def test_the_bucket_name_is_valid_for_any_stack_name_and_new_for_each_stack() -> None:
    long_name = "Conference-Posters-" + "x" * 109  # 128 characters, upper case: both allowed in a stack name
    first = _bucket_name(
        f"arn:aws:cloudformation:eu-west-1:123456789012:stack/{long_name}/8f2e6c10-3f4b-11ef-9a51-0a1b2c3d4e5f"
    )
    again = _bucket_name(
        f"arn:aws:cloudformation:eu-west-1:123456789012:stack/{long_name}/d41c9a20-4a7e-11ef-8b2a-06f1e2d3c4b5"
    )
    for name in (first, again):
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]", name), name
    # The same stack name made again after a delete (which keeps the bucket) gets another bucket.
    assert first != again
    assert first == "cfp-uploads-123456789012-0a1b2c3d4e5f"


def test_the_policies_that_name_the_bucket_before_it_exists_name_it_exactly(raw: dict[str, Any]) -> None:
    name = raw["Resources"]["UploadsBucket"]["Properties"]["BucketName"]["Fn::Sub"]
    for policy in ("ValidationQueuePolicy", "AccessLogsBucketPolicy"):
        statements = raw["Resources"][policy]["Properties"]["PolicyDocument"]["Statement"]
        arns = [
            s["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Sub"]
            for s in statements
            if "ArnLike" in s.get("Condition", {})
        ]
        assert arns == [["arn:${AWS::Partition}:s3:::" + name[0], name[1]]], policy


def test_the_notifier_batching_window_is_one_lambda_accepts_for_every_allowed_value(
    raw: dict[str, Any],
) -> None:
    """Lambda refuses a window under 1 s for a batch size over 10, and any window over 300 s."""
    window = raw["Parameters"]["DigestWindowSeconds"]
    source = raw["Resources"]["NotifierFunction"]["Properties"]["Events"]["Notifications"]["Properties"]
    assert source["MaximumBatchingWindowInSeconds"] == {"Ref": "DigestWindowSeconds"}
    assert source["BatchSize"] > 10
    assert window["MinValue"] >= 1 and window["MaxValue"] <= 300


@pytest.mark.parametrize(
    ("setting", "region", "partition", "applied"),
    [
        ("auto", "us-east-1", "aws", "PublishedVersions"),
        ("auto", "eu-central-1", "aws", "PublishedVersions"),
        ("auto", "ap-southeast-6", "aws", "None"),
        ("auto", "ap-east-2", "aws", "None"),
        ("auto", "us-gov-west-1", "aws-us-gov", "None"),
        ("off", "us-east-1", "aws", "None"),
        ("on", "ap-east-2", "aws", "PublishedVersions"),
    ],
)
def test_snapstart_is_asked_for_only_where_it_exists(
    raw: dict[str, Any], setting: str, region: str, partition: str, applied: str
) -> None:
    snapstart = raw["Resources"]["ApiFunction"]["Properties"]["SnapStart"]["ApplyOn"]
    condition, when_true, when_false = snapstart["Fn::If"]
    resolver = _In(_defaults(raw, ApiSnapStart=setting), region, partition)
    assert (when_true if _condition(raw, condition, resolver) else when_false) == applied


# The longest value CloudFormation can give each kind of resource's Ref (a 128-character stack name, the
# longest region name): generated names are cut to the service's limit.
_LONGEST_REF = {
    "AWS::SQS::Queue": "https://sqs.ap-southeast-5.amazonaws.com/123456789012/" + "q" * 80,
    "AWS::DynamoDB::Table": "t" * 255,
    "AWS::KMS::Key": "0c1a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8",
    "AWS::SecretsManager::Secret": "arn:aws:secretsmanager:ap-southeast-5:123456789012:secret:" + "s" * 100,
    "AWS::S3::Bucket": "cfp-uploads-123456789012-0a1b2c3d4e5f",
}


def test_every_function_environment_fits_in_4_kb_at_every_parameters_longest_value(
    raw: dict[str, Any],
) -> None:
    """Lambda refuses a function whose variables (names and values) pass 4 KB: the deploy would fail."""
    longest: dict[str, str] = {}
    for name, spec in raw["Parameters"].items():
        if spec.get("Type", "String") == "String" and "AllowedValues" not in spec:
            assert "MaxLength" in spec, f"{name} reaches the environment and needs a MaxLength"
            longest[name] = "x" * int(spec["MaxLength"])
    template = Template(TEMPLATE, longest)
    for logical_id, resource in template.resources.items():
        template.resolver.physical_ids[logical_id] = _LONGEST_REF.get(resource["Type"], logical_id)
        for attribute in ("Arn", "QueueName"):  # what the event sources name; no variable holds them
            template.resolver.attributes[(logical_id, attribute)] = f"{logical_id}.{attribute}"
    for name in FUNCTIONS:
        environment = template.function(name).environment
        size = sum(len(key.encode()) + len(value.encode()) for key, value in environment.items())
        assert size <= 4096, f"{name}: {size} bytes of environment at the parameters' longest values"


def test_every_function_logs_to_a_group_of_its_own_that_goes_with_the_stack(raw: dict[str, Any]) -> None:
    resources = raw["Resources"]
    groups = set()
    for name in FUNCTIONS:
        group = resources[name]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert resources[group]["Type"] == "AWS::Logs::LogGroup", name
        assert resources[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name
        assert resources[group]["DeletionPolicy"] == "Delete", name
        assert "LogGroupName" not in resources[group]["Properties"], name
        groups.add(group)
    assert len(groups) == len(FUNCTIONS)


def _alarms(raw: dict[str, Any]) -> list[dict[str, Any]]:
    return [res["Properties"] for res in raw["Resources"].values() if res["Type"] == "AWS::CloudWatch::Alarm"]


def test_every_function_s_errors_and_throttles_and_the_api_s_5xx_alarm_the_operator(
    raw: dict[str, Any],
) -> None:
    topic = {"Ref": "DeadLetterAlarmTopic"}
    watched = set()
    for alarm in _alarms(raw):
        assert alarm["AlarmActions"] == [topic]
        assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold"
        [dimension] = alarm["Dimensions"]
        watched.add((alarm["Namespace"], alarm["MetricName"], str(dimension["Value"])))
    for name in FUNCTIONS:
        for metric in ("Errors", "Throttles"):
            assert ("AWS/Lambda", metric, str({"Ref": name})) in watched, (name, metric)
    assert ("AWS/ApiGateway", "5xx", str({"Ref": "HttpApi"})) in watched
    subscription = raw["Resources"]["DeadLetterAlarmSubscription"]["Properties"]
    assert subscription["TopicArn"] == topic and subscription["Endpoint"] == {"Ref": "OperatorEmail"}


def test_tracing_records_nothing_unless_the_operator_turns_it_on(raw: dict[str, Any]) -> None:
    assert raw["Globals"]["Function"]["Tracing"] == {"Ref": "Tracing"}
    assert raw["Parameters"]["Tracing"]["Default"] == "PassThrough"
    assert all("Tracing" not in raw["Resources"][name]["Properties"] for name in FUNCTIONS)
