"""Read ``template.yaml`` and resolve its intrinsics, so local tooling never keeps a second list of names.

The SAM template is the single source of every resource name, parameter and event source. The loader
turns CloudFormation short tags into their long forms, :class:`Resolver` evaluates ``Ref``, ``Fn::GetAtt``,
``Fn::Sub`` and ``Fn::Join`` against parameter values and the physical ids the local stack fills in, and
:class:`Template` offers typed views of what the local stack needs.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

STACK_NAME = "cfp-local"
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
PARTITION = "aws"


def arn(service: str, resource: str, regional: bool = True) -> str:
    """The ARN of a resource in the local stack's one account and region (S3's are global)."""
    where = f"{REGION}:{ACCOUNT_ID}" if regional else ":"
    return f"arn:{PARTITION}:{service}:{where}:{resource}"


URL_SUFFIX = "amazonaws.com"

PSEUDO_PARAMETERS: dict[str, str] = {
    "AWS::StackName": STACK_NAME,
    "AWS::AccountId": ACCOUNT_ID,
    "AWS::Region": REGION,
    "AWS::Partition": PARTITION,
    "AWS::URLSuffix": URL_SUFFIX,
    # Shaped as CloudFormation's (the template cuts names out of the id's UUID).
    "AWS::StackId": arn("cloudformation", f"stack/{STACK_NAME}/0c1a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8"),
}

_SHORT_TAGS = (
    "Ref",
    "Sub",
    "GetAtt",
    "Join",
    "Select",
    "Split",
    "If",
    "Equals",
    "Not",
    "And",
    "Or",
    "FindInMap",
    "ImportValue",
    "Base64",
    "Cidr",
    "GetAZs",
    "Condition",
)

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class TemplateError(ValueError):
    """The template uses something the local tooling cannot evaluate, or refers to an unknown name."""


class UnresolvedReference(TemplateError):
    """A ``Ref``/``GetAtt`` names a resource whose physical id is not known yet."""


class _Loader(yaml.SafeLoader):
    """A YAML loader that understands CloudFormation's short intrinsic tags."""


def _long_form(tag: str) -> str:
    return tag if tag in {"Ref", "Condition"} else f"Fn::{tag}"


def _construct_intrinsic(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    tag = node.tag.lstrip("!")
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        assert isinstance(node, yaml.MappingNode)
        value = loader.construct_mapping(node, deep=True)
    return {_long_form(tag): value}


for _tag in _SHORT_TAGS:
    _Loader.add_constructor(f"!{_tag}", _construct_intrinsic)


def load_yaml(path: Path) -> dict[str, Any]:
    """Parse a CloudFormation YAML file into plain dicts with long-form intrinsics."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(data, dict):
        raise TemplateError(f"{path} is not a CloudFormation template")
    return data


def default_template_path() -> Path:
    """``template.yaml`` of the project: next to the package's source tree, else in the working directory."""
    source_root = Path(__file__).resolve().parents[2] / "template.yaml"
    if source_root.is_file():
        return source_root
    return Path.cwd() / "template.yaml"


class Resolver:
    """Evaluates intrinsics against parameters, pseudo parameters and the stack's known resources."""

    def __init__(self, parameters: Mapping[str, str]) -> None:
        self.parameters = dict(parameters)
        self.physical_ids: dict[str, str] = {}
        self.attributes: dict[tuple[str, str], str] = {}

    def ref(self, name: str) -> str:
        if name in self.parameters:
            return self.parameters[name]
        if name in PSEUDO_PARAMETERS:
            return PSEUDO_PARAMETERS[name]
        if name in self.physical_ids:
            return self.physical_ids[name]
        raise UnresolvedReference(f"Ref {name}: no parameter or created resource of that name")

    def get_att(self, resource: str, attribute: str) -> str:
        try:
            return self.attributes[(resource, attribute)]
        except KeyError:
            raise UnresolvedReference(f"GetAtt {resource}.{attribute} is not known") from None

    def resolve(self, value: Any) -> Any:
        """Return ``value`` with every intrinsic replaced by its string value."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, argument), *_ = value.items()
            if key == "Ref":
                return self.ref(str(argument))
            if key == "Fn::GetAtt":
                parts = argument.split(".", 1) if isinstance(argument, str) else argument
                return self.get_att(str(parts[0]), str(self.resolve(parts[1])))
            if key == "Fn::Sub":
                return self._sub(argument)
            if key == "Fn::Join":
                delimiter, items = argument
                return str(delimiter).join(str(item) for item in self.resolve(items))
            if key == "Fn::Split":
                delimiter, text = argument
                return str(self.resolve(text)).split(str(delimiter))
            if key == "Fn::Select":
                index, items = argument
                return self.resolve(items)[int(self.resolve(index))]
            if key.startswith("Fn::"):
                raise TemplateError(f"{key} is not supported by the local tooling")
        return {key: self.resolve(item) for key, item in value.items()}

    def _sub(self, argument: Any) -> str:
        if isinstance(argument, list):
            text, variables = str(argument[0]), {k: self.resolve(v) for k, v in argument[1].items()}
        else:
            text, variables = str(argument), {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                resource, attribute = name.split(".", 1)
                return self.get_att(resource, attribute)
            return self.ref(name)

        return _SUB_VARIABLE.sub(replace, text)


def references(value: Any) -> set[str]:
    """Logical names that ``value`` refers to through ``Ref``, ``GetAtt`` or ``Sub`` (parameters included)."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        for key, argument in value.items():
            if key == "Ref":
                found.add(str(argument))
            elif key == "Fn::GetAtt":
                parts = argument.split(".", 1) if isinstance(argument, str) else argument
                found.add(str(parts[0]))
            elif key == "Fn::Sub":
                text = argument[0] if isinstance(argument, list) else argument
                local = set(argument[1]) if isinstance(argument, list) else set()
                for name in _SUB_VARIABLE.findall(str(text)):
                    if not name.startswith("!") and name not in local:
                        found.add(name.split(".", 1)[0] if not name.startswith("AWS::") else name)
                if isinstance(argument, list):
                    found |= references(argument[1])
            else:
                found |= references(argument)
    return found


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: str | None
    description: str


@dataclass(frozen=True)
class HttpApiEvent:
    name: str
    path: str
    method: str
    api: str | None

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method.upper()} {self.path}"


@dataclass(frozen=True)
class SqsEvent:
    name: str
    queue_arn: str
    batch_size: int
    batching_window_seconds: int
    report_batch_item_failures: bool
    # ScalingConfig.MaximumConcurrency: the most batches Lambda runs at once (None: no cap).
    maximum_concurrency: int | None = None


@dataclass(frozen=True)
class ScheduleEvent:
    name: str
    expression: str
    timezone: str | None


@dataclass(frozen=True)
class Function:
    logical_id: str
    code_dir: Path
    handler: str
    runtime: str
    timeout: int
    memory_mb: int
    environment: dict[str, str]
    layer_dirs: tuple[Path, ...]
    http_events: tuple[HttpApiEvent, ...]
    sqs_events: tuple[SqsEvent, ...]
    schedule_events: tuple[ScheduleEvent, ...]


@dataclass(frozen=True)
class QueueNotification:
    events: tuple[str, ...]
    queue_arn: str
    prefix: str
    suffix: str


@dataclass(frozen=True)
class CorsRule:
    allowed_origins: tuple[str, ...]
    allowed_methods: tuple[str, ...]
    allowed_headers: tuple[str, ...]
    exposed_headers: tuple[str, ...]
    max_age: int | None


@dataclass(frozen=True)
class Bucket:
    logical_id: str
    name: str | None
    versioning: bool
    cors_rules: tuple[CorsRule, ...]
    notifications: tuple[QueueNotification, ...]
    properties: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Queue:
    logical_id: str
    name: str | None
    visibility_timeout: int
    dead_letter_arn: str | None
    max_receive_count: int | None
    attributes: dict[str, str]


@dataclass(frozen=True)
class Table:
    logical_id: str
    name: str | None
    attribute_definitions: tuple[dict[str, str], ...]
    key_schema: tuple[dict[str, str], ...]
    ttl_attribute: str | None


@dataclass(frozen=True)
class ApiCors:
    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...]
    allow_headers: tuple[str, ...]
    expose_headers: tuple[str, ...]
    allow_credentials: bool
    max_age: int | None


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    return (str(value),)


def _maximum_concurrency(spec: Mapping[str, Any]) -> int | None:
    scaling = spec.get("ScalingConfig") or {}
    value = scaling.get("MaximumConcurrency") if isinstance(scaling, dict) else None
    return int(value) if value is not None else None


def _merge_globals(global_props: Mapping[str, Any], own: Mapping[str, Any]) -> dict[str, Any]:
    """SAM's Globals rules: maps merge (own keys win), lists concatenate, scalars are replaced."""
    merged: dict[str, Any] = copy.deepcopy(dict(global_props))
    for key, value in own.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, dict) and not _is_intrinsic(value):
            merged[key] = _merge_globals(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            merged[key] = current + value
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _is_intrinsic(value: Mapping[str, Any]) -> bool:
    return len(value) == 1 and next(iter(value)) in {"Ref", "Condition"} | {
        f"Fn::{tag}" for tag in _SHORT_TAGS
    }


class Template:
    """A SAM template together with a resolver holding parameter values and known physical ids."""

    def __init__(self, path: Path, overrides: Mapping[str, str] | None = None) -> None:
        self.path = path.resolve()
        self.root = self.path.parent
        self.data = load_yaml(self.path)
        self.parameters = self._parameters()
        values: dict[str, str] = {}
        for parameter in self.parameters.values():
            if parameter.default is not None:
                values[parameter.name] = parameter.default
        for name, value in (overrides or {}).items():
            if name not in self.parameters:
                raise TemplateError(
                    f"unknown parameter {name}; the template declares {sorted(self.parameters)}"
                )
            values[name] = value
        missing = sorted(set(self.parameters) - set(values))
        if missing:
            raise TemplateError(f"parameters without a default need a value: {missing}")
        self.resolver = Resolver(values)

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        resources: dict[str, dict[str, Any]] = self.data.get("Resources", {})
        return resources

    def resources_of_type(self, resource_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for logical_id, resource in self.resources.items():
            if resource.get("Type") == resource_type:
                yield logical_id, resource

    def properties(self, logical_id: str) -> dict[str, Any]:
        """A resource's properties with SAM Globals merged in for serverless functions."""
        resource = self.resources[logical_id]
        own: dict[str, Any] = resource.get("Properties", {}) or {}
        if resource.get("Type") == "AWS::Serverless::Function":
            return _merge_globals(self.data.get("Globals", {}).get("Function", {}), own)
        if resource.get("Type") == "AWS::Serverless::HttpApi":
            return _merge_globals(self.data.get("Globals", {}).get("HttpApi", {}), own)
        return copy.deepcopy(own)

    def dependencies(self, logical_id: str) -> set[str]:
        """Other resources this one needs created first (through intrinsics or ``DependsOn``)."""
        depends_on = _strings(self.resources[logical_id].get("DependsOn"))
        found = references(self.properties(logical_id)) | set(depends_on)
        return {name for name in found if name in self.resources and name != logical_id}

    def creation_order(self) -> list[str]:
        """Resources in an order where each comes after everything it depends on."""
        order: list[str] = []
        visiting: set[str] = set()

        def visit(name: str) -> None:
            if name in order:
                return
            if name in visiting:
                raise TemplateError(f"circular dependency through {name}")
            visiting.add(name)
            for dependency in sorted(self.dependencies(name)):
                visit(dependency)
            visiting.discard(name)
            order.append(name)

        for name in self.resources:
            visit(name)
        return order

    def _parameters(self) -> dict[str, Parameter]:
        declared: dict[str, dict[str, Any]] = self.data.get("Parameters", {}) or {}
        return {
            name: Parameter(
                name=name,
                type=str(spec.get("Type", "String")),
                default=None if spec.get("Default") is None else str(spec["Default"]),
                description=str(spec.get("Description", "")),
            )
            for name, spec in declared.items()
        }

    def resolve(self, value: Any) -> Any:
        return self.resolver.resolve(value)

    def function(self, logical_id: str) -> Function:
        """The resolved view of one function; every resource it refers to must exist already."""
        props = self.properties(logical_id)
        variables = self.resolve(props.get("Environment", {}).get("Variables", {}))
        layers: list[Path] = []
        for layer in props.get("Layers", []):
            if isinstance(layer, dict) and "Ref" in layer and layer["Ref"] in self.resources:
                content = self.resources[layer["Ref"]].get("Properties", {}).get("ContentUri")
                if isinstance(content, str):
                    layers.append(self.root / content)
        http: list[HttpApiEvent] = []
        sqs: list[SqsEvent] = []
        schedules: list[ScheduleEvent] = []
        for name, event in (props.get("Events") or {}).items():
            kind = event.get("Type")
            spec = event.get("Properties", {}) or {}
            if kind == "HttpApi":
                api = spec.get("ApiId", {}).get("Ref") if isinstance(spec.get("ApiId"), dict) else None
                http.append(
                    HttpApiEvent(name, str(spec.get("Path", "$default")), str(spec.get("Method", "ANY")), api)
                )
            elif kind == "SQS":
                sqs.append(
                    SqsEvent(
                        name=name,
                        queue_arn=str(self.resolve(spec["Queue"])),
                        batch_size=int(self.resolve(spec.get("BatchSize", 10))),
                        batching_window_seconds=int(
                            self.resolve(spec.get("MaximumBatchingWindowInSeconds", 0))
                        ),
                        report_batch_item_failures="ReportBatchItemFailures"
                        in _strings(spec.get("FunctionResponseTypes")),
                        maximum_concurrency=_maximum_concurrency(spec),
                    )
                )
            elif kind == "ScheduleV2":
                schedules.append(
                    ScheduleEvent(
                        name=name,
                        expression=str(spec.get("ScheduleExpression", "")),
                        timezone=spec.get("ScheduleExpressionTimezone"),
                    )
                )
        return Function(
            logical_id=logical_id,
            code_dir=self.root / str(props["CodeUri"]),
            handler=str(props["Handler"]),
            runtime=str(props.get("Runtime", "")),
            timeout=int(props.get("Timeout", 3)),
            memory_mb=int(props.get("MemorySize", 128)),
            environment={key: str(value) for key, value in variables.items()},
            layer_dirs=tuple(layers),
            http_events=tuple(http),
            sqs_events=tuple(sqs),
            schedule_events=tuple(schedules),
        )

    def bucket(self, logical_id: str) -> Bucket:
        props = self.resolve(self.properties(logical_id))
        cors = [
            CorsRule(
                allowed_origins=_strings(rule.get("AllowedOrigins")),
                allowed_methods=_strings(rule.get("AllowedMethods")),
                allowed_headers=_strings(rule.get("AllowedHeaders")),
                exposed_headers=_strings(rule.get("ExposedHeaders")),
                max_age=int(rule["MaxAge"]) if "MaxAge" in rule else None,
            )
            for rule in props.get("CorsConfiguration", {}).get("CorsRules", [])
        ]
        notifications = []
        for config in props.get("NotificationConfiguration", {}).get("QueueConfigurations", []):
            rules = {
                str(rule["Name"]).lower(): str(rule["Value"])
                for rule in config.get("Filter", {}).get("S3Key", {}).get("Rules", [])
            }
            notifications.append(
                QueueNotification(
                    events=_strings(config.get("Event")),
                    queue_arn=str(config["Queue"]),
                    prefix=rules.get("prefix", ""),
                    suffix=rules.get("suffix", ""),
                )
            )
        return Bucket(
            logical_id=logical_id,
            name=props.get("BucketName"),
            versioning=props.get("VersioningConfiguration", {}).get("Status") == "Enabled",
            cors_rules=tuple(cors),
            notifications=tuple(notifications),
            properties=props,
        )

    def queue(self, logical_id: str) -> Queue:
        props = self.resolve(self.properties(logical_id))
        redrive = props.get("RedrivePolicy") or {}
        skip = {"QueueName", "RedrivePolicy", "Tags"}
        attributes = {
            key: str(value).lower() if isinstance(value, bool) else str(value)
            for key, value in props.items()
            if key not in skip
        }
        return Queue(
            logical_id=logical_id,
            name=props.get("QueueName"),
            visibility_timeout=int(props.get("VisibilityTimeout", 30)),
            dead_letter_arn=redrive.get("deadLetterTargetArn"),
            max_receive_count=int(redrive["maxReceiveCount"]) if "maxReceiveCount" in redrive else None,
            attributes=attributes,
        )

    def table(self, logical_id: str) -> Table:
        props = self.resolve(self.properties(logical_id))
        ttl = props.get("TimeToLiveSpecification") or {}
        return Table(
            logical_id=logical_id,
            name=props.get("TableName"),
            attribute_definitions=tuple(props.get("AttributeDefinitions", [])),
            key_schema=tuple(props.get("KeySchema", [])),
            ttl_attribute=ttl.get("AttributeName") if ttl.get("Enabled") else None,
        )

    def http_api_cors(self, logical_id: str) -> ApiCors | None:
        cors = self.resolve(self.properties(logical_id).get("CorsConfiguration"))
        if not cors:
            return None
        if cors is True or isinstance(cors, str):
            origin = "*" if cors is True else str(cors).strip("'")
            return ApiCors((origin,), ("*",), ("*",), (), False, None)
        return ApiCors(
            allow_origins=_strings(cors.get("AllowOrigins")),
            allow_methods=tuple(m.upper() for m in _strings(cors.get("AllowMethods"))),
            allow_headers=tuple(h.lower() for h in _strings(cors.get("AllowHeaders"))),
            expose_headers=_strings(cors.get("ExposeHeaders")),
            allow_credentials=bool(cors.get("AllowCredentials", False)),
            max_age=int(cors["MaxAge"]) if "MaxAge" in cors else None,
        )


class _NoManagedPolicies:
    """Offline stand-in for the IAM lookup of managed policy ARNs; the translator only needs the call."""

    def load(self) -> dict[str, str]:
        return {}


def transform_offline(path: Path, parameter_values: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Run the SAM transform without AWS: local code paths become ``s3://`` placeholders."""
    from samtranslator.translator.transform import transform

    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    data = load_yaml(path)
    for resource in data.get("Resources", {}).values():
        props = resource.get("Properties") or {}
        for key in ("CodeUri", "ContentUri", "DefinitionUri"):
            value = props.get(key)
            if isinstance(value, str) and not value.startswith("s3://"):
                props[key] = f"s3://local-artifacts/{value.strip('/') or 'root'}.zip"
    result: dict[str, Any] = transform(data, dict(parameter_values or {}), _NoManagedPolicies())
    return result
