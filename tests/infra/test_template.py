"""The SAM template is valid, transforms, and keeps the promises the service relies on; the reader works."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cfp_tools.template import (
    ACCOUNT_ID,
    REGION,
    STACK_NAME,
    Resolver,
    Template,
    TemplateError,
    UnresolvedReference,
    load_yaml,
    references,
    transform_offline,
)

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return load_yaml(TEMPLATE)


@pytest.fixture(scope="module")
def transformed() -> dict[str, Any]:
    return transform_offline(TEMPLATE)


def _of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in template["Resources"].items() if res["Type"] == resource_type}


def test_cfn_lint_reports_nothing() -> None:
    from cfnlint.api import ManualArgs, lint_file

    matches = lint_file(TEMPLATE, config=ManualArgs(regions=[REGION]))
    assert [str(match) for match in matches] == []


def test_transforms_offline_into_plain_cloudformation(transformed: dict[str, Any]) -> None:
    types = {resource["Type"] for resource in transformed["Resources"].values()}
    assert not any(t.startswith("AWS::Serverless::") for t in types)
    assert {"AWS::Lambda::Function", "AWS::Lambda::EventSourceMapping", "AWS::Scheduler::Schedule"} <= types
    assert "Transform" not in transformed


def _inline_statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = []
    for policy in role["Properties"].get("Policies", []):
        found = policy["PolicyDocument"]["Statement"]
        statements += found if isinstance(found, list) else [found]
    return statements


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_every_function_role_is_scoped_to_the_stack_resources(transformed: dict[str, Any]) -> None:
    roles = _of_type(transformed, "AWS::IAM::Role")
    functions = _of_type(transformed, "AWS::Lambda::Function")
    assert {f"{name}Role" for name in functions} <= set(roles)
    for name, role in roles.items():
        for statement in _inline_statements(role):
            actions = _as_list(statement["Action"])
            assert all(action != "*" and not action.endswith(":*") for action in actions), (name, statement)
            for resource in _as_list(statement["Resource"]):
                assert resource != "*", (name, statement)
                if isinstance(resource, str) and resource.endswith("*"):
                    pytest.fail(f"{name}: literal wildcard resource {resource}")


def test_only_the_ses_statements_have_a_wildcard_and_they_are_pinned_to_the_sender(
    transformed: dict[str, Any],
) -> None:
    wildcard = []
    for name, role in _of_type(transformed, "AWS::IAM::Role").items():
        for statement in _inline_statements(role):
            for resource in _as_list(statement["Resource"]):
                text = resource.get("Fn::Sub") if isinstance(resource, dict) else resource
                text = text[0] if isinstance(text, list) else text
                if isinstance(text, str) and text.endswith(":identity/*"):
                    wildcard.append((name, statement))
    # The notifier's mails, and the sign-in links (sent at once, not batched, off the API's request path).
    assert sorted(name for name, _ in wildcard) == ["NotifierFunctionRole", "SignInFunctionRole"]
    for _, statement in wildcard:
        assert set(_as_list(statement["Action"])) <= {"ses:SendEmail", "ses:SendRawEmail"}
        assert statement["Condition"]["StringEquals"]["ses:FromAddress"] == {"Ref": "SenderEmail"}


def test_queues_have_dead_letter_queues_and_outlast_their_consumers() -> None:
    template = _created(Template(TEMPLATE))
    queues = {name: template.queue(name) for name, _ in template.resources_of_type("AWS::SQS::Queue")}
    dead_letter = {queue.dead_letter_arn for queue in queues.values() if queue.dead_letter_arn}
    sources = {name for name in queues if f"{name}-Arn" not in dead_letter}
    assert sources and dead_letter
    for name in sources:
        assert queues[name].dead_letter_arn, f"{name} has no dead-letter queue"
        assert 1 <= (queues[name].max_receive_count or 0) <= 50, name
    consumed = set()
    for function_name, _ in template.resources_of_type("AWS::Serverless::Function"):
        function = template.function(function_name)
        for source in function.sqs_events:
            queue_name = source.queue_arn.removesuffix("-Arn")
            assert queue_name in sources, (
                f"{function_name} consumes {queue_name}, which has no dead-letter queue"
            )
            visibility = queues[queue_name].visibility_timeout
            assert visibility >= 6 * function.timeout, (
                f"{queue_name}: {visibility}s < 6 x {function.timeout}s"
            )
            consumed.add(queue_name)
    assert consumed == sources


def test_data_is_retained_when_the_stack_goes(raw: dict[str, Any]) -> None:
    for name, bucket in _of_type(raw, "AWS::S3::Bucket").items():
        # Kept when the stack is deleted; a failed first create removes them (tests/infra/test_deploy.py).
        assert bucket.get("DeletionPolicy") == "RetainExceptOnCreate", name
        assert bucket.get("UpdateReplacePolicy") == "Retain", name
    for name, table in _of_type(raw, "AWS::DynamoDB::Table").items():
        expiring = table["Properties"].get("TimeToLiveSpecification", {}).get("Enabled")
        # Tables whose items expire by design (idempotency records) may go with the stack.
        if not expiring:
            assert table.get("DeletionPolicy") == "RetainExceptOnCreate", name
            assert table.get("UpdateReplacePolicy") == "Retain", name
        assert table["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"], name
        assert table["Properties"]["SSESpecification"]["SSEEnabled"] is True, name


def test_alarm_topic_uses_a_rotated_key_that_cloudwatch_may_use(raw: dict[str, Any]) -> None:
    topic = raw["Resources"]["DeadLetterAlarmTopic"]["Properties"]
    key_name = topic["KmsMasterKeyId"]["Fn::GetAtt"][0]
    key = raw["Resources"][key_name]
    assert key["Type"] == "AWS::KMS::Key" and key["Properties"]["EnableKeyRotation"] is True
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    cloudwatch = [s for s in statements if s["Principal"].get("Service") == "cloudwatch.amazonaws.com"]
    assert [set(s["Action"]) for s in cloudwatch] == [{"kms:Decrypt", "kms:GenerateDataKey*"}]
    root = [s for s in statements if "AWS" in s["Principal"]]
    assert root and root[0]["Principal"]["AWS"]["Fn::Sub"].endswith(":root")


def test_api_and_upload_access_is_logged(raw: dict[str, Any]) -> None:
    resources = raw["Resources"]
    settings = resources["HttpApi"]["Properties"]["AccessLogSettings"]
    group = resources[settings["DestinationArn"]["Fn::GetAtt"][0]]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert "authorization" not in settings["Format"].lower() and "$context.path" in settings["Format"]
    logging = resources["UploadsBucket"]["Properties"]["LoggingConfiguration"]
    target = logging["DestinationBucketName"]["Ref"]
    assert resources[target]["Type"] == "AWS::S3::Bucket"
    [grant] = [
        s
        for policy in _of_type(raw, "AWS::S3::BucketPolicy").values()
        if policy["Properties"]["Bucket"] == {"Ref": target}
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Allow"
    ]
    assert grant["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert grant["Resource"]["Fn::Sub"].endswith("/" + logging["LogFilePrefix"] + "*")


def test_buckets_are_private_encrypted_versioned_and_tls_only(raw: dict[str, Any]) -> None:
    policies = _of_type(raw, "AWS::S3::BucketPolicy")
    for name, bucket in _of_type(raw, "AWS::S3::Bucket").items():
        props = bucket["Properties"]
        block = props["PublicAccessBlockConfiguration"]
        assert all(
            block[key] is True
            for key in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
        )
        rules = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rules[0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
        assert props["VersioningConfiguration"]["Status"] == "Enabled"
        assert props["OwnershipControls"]["Rules"][0]["ObjectOwnership"] == "BucketOwnerEnforced"
        tls = [
            statement
            for policy in policies.values()
            if policy["Properties"]["Bucket"] == {"Ref": name}
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
            if statement["Effect"] == "Deny"
            and statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        ]
        assert tls, f"{name} has no TLS-only statement"
        resources = [r["Fn::Sub"] for r in tls[0]["Resource"]]
        assert any(r.endswith("}") for r in resources) and any(r.endswith("/*") for r in resources)
        assert tls[0]["Action"] == "s3:*" and tls[0]["Principal"] == "*"


def test_short_tags_load_as_long_forms(raw: dict[str, Any]) -> None:
    props = raw["Resources"]["ValidatorFunction"]["Properties"]
    assert props["Events"]["Uploads"]["Properties"]["Queue"] == {"Fn::GetAtt": ["ValidationQueue", "Arn"]}
    assert raw["Globals"]["Function"]["Environment"]["Variables"]["DEADLINE"] == {"Ref": "Deadline"}


def test_resolver_evaluates_every_supported_intrinsic() -> None:
    resolver = Resolver({"Name": "cfp", "Port": "3000"})
    resolver.physical_ids["Queue"] = "http://queue"
    resolver.attributes[("Queue", "Arn")] = "arn:aws:sqs:us-east-1:123456789012:q"
    assert resolver.resolve({"Ref": "Name"}) == "cfp"
    assert resolver.resolve({"Ref": "AWS::StackName"}) == STACK_NAME
    assert resolver.resolve({"Ref": "Queue"}) == "http://queue"
    assert resolver.resolve({"Fn::GetAtt": ["Queue", "Arn"]}).endswith(":q")
    assert resolver.resolve({"Fn::GetAtt": "Queue.Arn"}).endswith(":q")
    assert resolver.resolve({"Fn::Sub": "${AWS::AccountId}-${Name}-${Queue.Arn}-${!Literal}"}) == (
        f"{ACCOUNT_ID}-cfp-arn:aws:sqs:us-east-1:123456789012:q-${{Literal}}"
    )
    assert resolver.resolve({"Fn::Sub": ["${x}/${AWS::Region}", {"x": {"Ref": "Port"}}]}) == f"3000/{REGION}"
    assert resolver.resolve({"Fn::Join": [":", ["a", {"Ref": "Name"}]]}) == "a:cfp"
    assert resolver.resolve({"List": [{"Ref": "Name"}, 1]}) == {"List": ["cfp", 1]}
    with pytest.raises(UnresolvedReference):
        resolver.resolve({"Ref": "Missing"})
    with pytest.raises(UnresolvedReference):
        resolver.resolve({"Fn::GetAtt": ["Queue", "QueueName"]})
    with pytest.raises(TemplateError):
        resolver.resolve({"Fn::FindInMap": ["M", "a", "b"]})


def test_references_follow_ref_getatt_and_sub() -> None:
    value = {
        "a": [{"Ref": "P"}, {"Fn::GetAtt": ["Q", "Arn"]}],
        "b": {"Fn::Sub": ["${R.Arn}${x}${!y}", {"x": "1"}]},
    }
    assert references(value) == {"P", "Q", "R"}


def test_parameters_take_defaults_and_overrides() -> None:
    template = Template(TEMPLATE, {"Deadline": "2030-01-01T00:00:00Z", "GraceSeconds": "30"})
    assert template.resolve({"Ref": "Deadline"}) == "2030-01-01T00:00:00Z"
    assert template.resolve({"Ref": "GraceSeconds"}) == "30"
    assert template.resolve({"Ref": "MaxUploadMB"}) == "10"
    with pytest.raises(TemplateError, match="unknown parameter"):
        Template(TEMPLATE, {"NoSuchParameter": "1"})


def test_creation_order_puts_dependencies_first() -> None:
    order = Template(TEMPLATE).creation_order()
    assert order.index("ValidationDeadLetterQueue") < order.index("ValidationQueue")
    assert order.index("ValidationQueuePolicy") < order.index("UploadsBucket")
    assert order.index("UploadsBucket") < order.index("UploadsBucketPolicy")
    for function in ("ApiFunction", "ValidatorFunction", "NotifierFunction", "DeadlineFunction"):
        for dependency in ("SubmissionsTable", "IdempotencyTable", "NotificationQueue", "SharedLayer"):
            assert order.index(dependency) < order.index(function)


def _created(template: Template) -> Template:
    resolver = template.resolver
    for logical_id, resource in template.resources.items():
        resolver.physical_ids[logical_id] = f"{logical_id}-physical"
        if resource["Type"] == "AWS::SQS::Queue":
            for attribute in ("Arn", "QueueName"):
                resolver.attributes[(logical_id, attribute)] = f"{logical_id}-{attribute}"
    return template


def test_function_view_merges_globals_and_resolves_events() -> None:
    template = _created(Template(TEMPLATE))
    validator = template.function("ValidatorFunction")
    assert validator.code_dir == ROOT / "functions" / "validator"
    assert validator.handler == "app.lambda_handler"
    assert (validator.timeout, validator.memory_mb) == (450, 1024)
    assert validator.environment["TABLE_NAME"] == "SubmissionsTable-physical"
    assert validator.environment["BUCKET_NAME"] == "UploadsBucket-physical"
    assert validator.environment["GRACE_SECONDS"] == "0"
    assert validator.layer_dirs == (ROOT / "shared",)
    (source,) = validator.sqs_events
    assert (source.queue_arn, source.batch_size, source.batching_window_seconds) == (
        "ValidationQueue-Arn",
        5,
        1,
    )
    assert source.report_batch_item_failures
    assert source.maximum_concurrency == 5
    assert template.function("NotifierFunction").sqs_events[0].maximum_concurrency == 2
    # Each record may take 90 s (15 s of checking, a worst-case S3 read, the writes): a whole batch fits.
    assert validator.timeout >= source.batch_size * 90
    api = template.function("ApiFunction")
    assert [event.route_key for event in api.http_events] == ["GET /", "ANY /{proxy+}"]
    assert (api.timeout, api.memory_mb) == (10, 512)
    notifier = template.function("NotifierFunction")
    (notifications,) = notifier.sqs_events
    # A burst of up to 500 events gathered for up to 60 s becomes one digest.
    assert (notifications.queue_arn, notifications.batch_size, notifications.batching_window_seconds) == (
        "NotificationQueue-Arn",
        500,
        60,
    )
    deadline = template.function("DeadlineFunction")
    assert [event.expression for event in deadline.schedule_events] == ["cron(0/15 * * * ? *)"]


def test_bucket_queue_table_and_api_views() -> None:
    template = _created(Template(TEMPLATE))
    bucket = template.bucket("UploadsBucket")
    assert bucket.name == f"cfp-uploads-{ACCOUNT_ID}-a3b4c5d6e7f8" and bucket.versioning
    (notification,) = bucket.notifications
    assert (notification.queue_arn, notification.prefix, notification.events) == (
        "ValidationQueue-Arn",
        "uploads/",
        ("s3:ObjectCreated:*",),
    )
    assert bucket.cors_rules[0].allowed_methods == ("POST",)
    queue = template.queue("ValidationQueue")
    assert (queue.visibility_timeout, queue.dead_letter_arn, queue.max_receive_count) == (
        2701,
        "ValidationDeadLetterQueue-Arn",
        5,
    )
    assert queue.attributes["SqsManagedSseEnabled"] == "true"
    table = template.table("IdempotencyTable")
    assert table.ttl_attribute == "expiration" and table.key_schema[0]["AttributeName"] == "id"
    cors = template.http_api_cors("HttpApi")
    assert cors is not None and cors.allow_origins == ("*",) and "authorization" in cors.allow_headers


def test_the_console_session_key_is_generated_by_the_template_and_read_only_by_the_api(
    raw: dict[str, Any], transformed: dict[str, Any]
) -> None:
    secret = raw["Resources"]["ConsoleSessionKey"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] >= 64
    # No parameter carries the key (PosterSessions is the program's poster sessions, not a login's).
    assert not any("SessionKey" in name or "Secret" in name for name in raw["Parameters"])
    readers = [
        name
        for name, role in _of_type(transformed, "AWS::IAM::Role").items()
        for statement in _inline_statements(role)
        if "secretsmanager:GetSecretValue" in _as_list(statement["Action"])
    ]
    assert readers == ["ApiFunctionRole"]
    api_environment = raw["Resources"]["ApiFunction"]["Properties"]["Environment"]["Variables"]
    assert api_environment["SESSION_KEY_SECRET_ARN"] == {"Ref": "ConsoleSessionKey"}


def test_archives_expire_apart_from_uploads_and_never_reach_the_validator(raw: dict[str, Any]) -> None:
    from cfp.archive import ARCHIVE_KEEP

    bucket = raw["Resources"]["UploadsBucket"]["Properties"]
    prefix = raw["Globals"]["Function"]["Environment"]["Variables"]["ARCHIVE_PREFIX"]
    uploads = raw["Globals"]["Function"]["Environment"]["Variables"]["UPLOAD_PREFIX"]
    assert prefix == "archives/" and not prefix.startswith(uploads) and not uploads.startswith(prefix)
    [notification] = bucket["NotificationConfiguration"]["QueueConfigurations"]
    [rule] = notification["Filter"]["S3Key"]["Rules"]
    assert (rule["Name"], rule["Value"]) == ("prefix", uploads)
    # The only lifecycle rule of the uploads bucket: an author's upload is never deleted.
    [expiry] = bucket["LifecycleConfiguration"]["Rules"]
    assert expiry["Prefix"] == prefix and expiry["Status"] == "Enabled"
    assert (
        expiry["ExpirationInDays"]
        == ARCHIVE_KEEP.days
        == expiry["NoncurrentVersionExpiration"]["NoncurrentDays"]
    )
    assert expiry["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 1
