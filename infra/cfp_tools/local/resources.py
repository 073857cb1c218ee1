"""The template's resources, created in moto with the names and attributes CloudFormation would give them.

Queues, buckets (with their CORS rules and notifications), tables, keys, secrets, policies and SES
identities; what ``!Ref`` and ``!GetAtt`` give for each is recorded in the template's resolver, so the
functions the stack runs get the same environment they get on AWS apart from the endpoints.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from typing import Any

from cfp_tools.local.functions import FAKE_CREDENTIALS
from cfp_tools.template import REGION, STACK_NAME, CorsRule, Template, TemplateError, arn

# Resource types the local stack leaves out on purpose, each with the reason; any other type it cannot
# create stops the stack at start, so a resource added to the template is never silently missing here.
NOT_EMULATED: dict[str, str] = {
    "AWS::Logs::LogGroup": "the functions' logs go to the terminal, access logs are not written",
    "AWS::CloudWatch::Alarm": "no metrics are kept locally, so no alarm could fire",
    "AWS::SNS::Subscription": "alarms and SES's reports publish to the topics, and neither happens locally",
    "AWS::SNS::TopicPolicy": "SES publishes nothing locally",
    "AWS::SES::ConfigurationSetEventDestination": (
        "moto's SES never bounces; `cfp bounce ADDRESS` puts SES's report on the feedback queue instead"
    ),
}


def physical_name(logical_id: str) -> str:
    """A CloudFormation-style generated name, stable across runs so logs stay comparable."""
    suffix = hashlib.sha256(logical_id.encode()).hexdigest()[:12].upper()
    return f"{STACK_NAME}-{logical_id}-{suffix}"


def moto_client(endpoint_url: str, service: str) -> Any:
    """A boto3 client for ``service`` on moto, with the local stack's fake credentials."""
    import boto3

    return boto3.client(
        service,  # type: ignore[call-overload]
        region_name=REGION,
        endpoint_url=endpoint_url,
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


class Resources:
    """Creates the template's resources, one ``create`` at a time in the template's dependency order."""

    def __init__(
        self, template: Template, endpoint_url: str, api_port: int, log: Callable[[str], None]
    ) -> None:
        self.template = template
        self.endpoint_url = endpoint_url
        self.api_port = api_port
        self.log = log
        self.queue_urls: dict[str, str] = {}
        self.queue_visibility: dict[str, int] = {}
        self.bucket_cors: dict[str, tuple[CorsRule, ...]] = {}
        self.skipped: list[str] = []

    def client(self, service: str) -> Any:
        return moto_client(self.endpoint_url, service)

    def create(self, logical_id: str) -> None:
        """Create one resource, or note it as not emulated."""
        resource_type = self.template.resources[logical_id].get("Type", "")
        creators: dict[str, Callable[[str], None]] = {
            "AWS::SQS::Queue": self._create_queue,
            "AWS::SQS::QueuePolicy": self._create_queue_policy,
            "AWS::S3::Bucket": self._create_bucket,
            "AWS::S3::BucketPolicy": self._create_bucket_policy,
            "AWS::DynamoDB::Table": self._create_table,
            "AWS::Serverless::LayerVersion": self._create_layer,
            "AWS::Serverless::HttpApi": self._create_http_api,
            "AWS::KMS::Key": self._create_kms_key,
            "AWS::SecretsManager::Secret": self._create_secret,
            "AWS::SNS::Topic": self._create_topic,
            "AWS::SES::ConfigurationSet": self._create_configuration_set,
        }
        creator = creators.get(resource_type)
        if creator is None:
            if resource_type not in NOT_EMULATED:
                raise TemplateError(
                    f"{logical_id}: the local stack cannot create {resource_type}; give it a creator in "
                    "cfp_tools/local/resources.py or list it in NOT_EMULATED with the reason"
                )
            self.skipped.append(f"{logical_id} ({resource_type})")
            return
        creator(logical_id)

    def remember(self, logical_id: str, physical_id: str, **attributes: str) -> None:
        """Record what ``!Ref`` and ``!GetAtt`` of ``logical_id`` give from now on."""
        self.template.resolver.physical_ids[logical_id] = physical_id
        for name, value in attributes.items():
            self.template.resolver.attributes[(logical_id, name)] = value

    def _create_kms_key(self, logical_id: str) -> None:
        description = str(self.template.properties(logical_id).get("Description", logical_id))
        metadata = self.client("kms").create_key(Description=description)["KeyMetadata"]
        self.remember(logical_id, metadata["KeyId"], Arn=metadata["Arn"])

    def _create_topic(self, logical_id: str) -> None:
        """A topic to name (the feedback queue's policy does); nothing publishes to it locally."""
        arn = self.client("sns").create_topic(Name=physical_name(logical_id))["TopicArn"]
        self.remember(logical_id, arn, TopicName=physical_name(logical_id), TopicArn=arn)

    def _create_configuration_set(self, logical_id: str) -> None:
        """The configuration set every send names, so a send naming it works as on AWS."""
        self.client("sesv2").create_configuration_set(ConfigurationSetName=physical_name(logical_id))
        self.remember(logical_id, physical_name(logical_id))

    def _create_secret(self, logical_id: str) -> None:
        """A secret whose value is generated here, as ``GenerateSecretString`` does on AWS."""
        props = self.template.properties(logical_id)
        generate = props.get("GenerateSecretString", {})
        value = secrets.token_urlsafe(int(generate.get("PasswordLength", 32)))
        created = self.client("secretsmanager").create_secret(
            Name=physical_name(logical_id),
            Description=str(props.get("Description", logical_id)),
            SecretString=value,
        )
        self.remember(logical_id, created["ARN"], Id=created["ARN"])

    def _create_queue(self, logical_id: str) -> None:
        queue = self.template.queue(logical_id)
        name = queue.name or physical_name(logical_id)
        attributes = dict(queue.attributes)
        if queue.dead_letter_arn:
            redrive = {
                "deadLetterTargetArn": queue.dead_letter_arn,
                "maxReceiveCount": queue.max_receive_count,
            }
            attributes["RedrivePolicy"] = json.dumps(redrive)
        url = self.client("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        queue_arn = arn("sqs", name)
        self.queue_urls[queue_arn] = url
        self.queue_visibility[queue_arn] = queue.visibility_timeout
        self.remember(logical_id, url, Arn=queue_arn, QueueName=name, QueueUrl=url)

    def _create_queue_policy(self, logical_id: str) -> None:
        props = self.template.resolve(self.template.properties(logical_id))
        for url in props.get("Queues", []):
            policy = json.dumps(props["PolicyDocument"])
            self.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
        self.remember(logical_id, physical_name(logical_id))

    def _create_bucket(self, logical_id: str) -> None:
        bucket = self.template.bucket(logical_id)
        name = bucket.name or physical_name(logical_id).lower()
        s3 = self.client("s3")
        s3.create_bucket(Bucket=name)
        props = bucket.properties
        if bucket.versioning:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        if "PublicAccessBlockConfiguration" in props:
            s3.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
            )
        if "BucketEncryption" in props:
            rules = [
                {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
                for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
                if "ServerSideEncryptionByDefault" in rule
            ]
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        if bucket.cors_rules:
            rules = [
                {
                    "AllowedOrigins": list(rule.allowed_origins),
                    "AllowedMethods": list(rule.allowed_methods),
                    "AllowedHeaders": list(rule.allowed_headers),
                    "ExposeHeaders": list(rule.exposed_headers),
                    **({"MaxAgeSeconds": rule.max_age} if rule.max_age is not None else {}),
                }
                for rule in bucket.cors_rules
            ]
            s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": rules})
            self.bucket_cors[name] = bucket.cors_rules
        if bucket.notifications:
            configurations = []
            for notification in bucket.notifications:
                rules = [{"Name": "prefix", "Value": notification.prefix}] if notification.prefix else []
                rules += [{"Name": "suffix", "Value": notification.suffix}] if notification.suffix else []
                configuration: dict[str, Any] = {
                    "QueueArn": notification.queue_arn,
                    "Events": list(notification.events),
                }
                if rules:
                    configuration["Filter"] = {"Key": {"FilterRules": rules}}
                configurations.append(configuration)
            s3.put_bucket_notification_configuration(
                Bucket=name, NotificationConfiguration={"QueueConfigurations": configurations}
            )
        bucket_arn = arn("s3", name, regional=False)
        domain = f"{name}.s3.amazonaws.com"
        self.remember(logical_id, name, Arn=bucket_arn, DomainName=domain, RegionalDomainName=domain)

    def _create_bucket_policy(self, logical_id: str) -> None:
        """Apply the policy; moto ignores conditions, so conditional statements are left out and named."""
        props = self.template.resolve(self.template.properties(logical_id))
        document = dict(props["PolicyDocument"])
        statements = document.get("Statement", [])
        kept = [statement for statement in statements if "Condition" not in statement]
        for statement in statements:
            if "Condition" in statement:
                sid = statement.get("Sid", "?")
                self.log(f"{logical_id}: statement {sid} not enforced locally (moto ignores conditions)")
        if kept:
            document["Statement"] = kept
            self.client("s3").put_bucket_policy(Bucket=props["Bucket"], Policy=json.dumps(document))
        self.remember(logical_id, physical_name(logical_id))

    def _create_table(self, logical_id: str) -> None:
        table = self.template.table(logical_id)
        name = table.name or physical_name(logical_id)
        dynamodb = self.client("dynamodb")
        dynamodb.create_table(
            TableName=name,
            AttributeDefinitions=list(table.attribute_definitions),
            KeySchema=list(table.key_schema),
            BillingMode="PAY_PER_REQUEST",
        )
        if table.ttl_attribute:
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
            )
        self.remember(logical_id, name, Arn=arn("dynamodb", f"table/{name}"))

    def _create_layer(self, logical_id: str) -> None:
        self.remember(logical_id, arn("lambda", f"layer:{physical_name(logical_id)}:1"))

    def _create_http_api(self, logical_id: str) -> None:
        api_id = hashlib.sha256(logical_id.encode()).hexdigest()[:10]
        self.remember(logical_id, api_id, ApiEndpoint=f"http://127.0.0.1:{self.api_port}")

    def create_ses_identities(self) -> None:
        """Verify the domain of every address the functions' policies allow sending from."""
        sesv2 = self.client("sesv2")
        for logical_id, _ in self.template.resources_of_type("AWS::Serverless::Function"):
            for address in self._sender_addresses(logical_id):
                domain = address.rpartition("@")[2]
                sesv2.create_email_identity(EmailIdentity=domain)
                self.log(f"SES identity {domain} verified for {address}")

    def _sender_addresses(self, logical_id: str) -> list[str]:
        addresses: list[str] = []
        for policy in self.template.properties(logical_id).get("Policies", []):
            statements = policy.get("Statement", []) if isinstance(policy, dict) else []
            for statement in statements:
                condition = self.template.resolve(statement.get("Condition", {}))
                for operator in condition.values():
                    value = operator.get("ses:FromAddress")
                    addresses += value if isinstance(value, list) else [value] if value else []
        return addresses
