"""The one reader of container definitions, for every shape a program can produce.

- `aws:ecs/taskDefinition:TaskDefinition`: `containerDefinitions` is a JSON string (an array of
  ECS container definitions, camelCase keys).
- `awsx:ecs:FargateTaskDefinition` and `awsx:ecs:FargateService` (its `taskDefinitionArgs`):
  one `container` (named by its `name`, "container" if none, as awsx does) or a `containers` map
  keyed by container name. awsx adds an awslogs log configuration to containers that declare
  none, unless `logGroup.skip` is set.

No rule parses container definitions itself. The reader never raises: what it cannot read
becomes a `problem` (a violation for `ecs-task-definition-readable`, naming the resource, the
field, the value and the fix) and a `skip` reason for every other rule; unknown values become
skip reasons only (see framework.py for how those surface).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fargate_policies.findings import (
    Described,
    Findings,
    not_known,
    upper_first,
)
from fargate_policies.readers import resource_types as rt
from fargate_policies.readers.values import (
    Unknown,
    cached,
    describe,
    is_unknown,
    plain_json,
    type_name,
)
from fargate_spec.network_mode import AWSVPC, requires_fargate

READABLE_POLICY = "ecs-task-definition-readable"
UNKNOWN_DEFINITIONS_FIX = (
    "to have its containers checked in preview, build containerDefinitions only from values "
    "known at plan time: an image reference such as "
    "<account>.dkr.ecr.<region>.amazonaws.com/<repository name>:<tag> from getCallerIdentity, "
    "the region, the repository's explicit name and a content tag, not a repository's "
    "repositoryUrl or an image build's digest, which are unknown until the update runs"
)
AWSX_DEFAULT_CONTAINER_NAME = "container"


@dataclass(frozen=True)
class EnvVar:
    name: str
    value: Any  # a string, an Unknown, or whatever a malformed definition put there


@dataclass
class Container(Described):
    """One container definition: its name, its raw fields (plain, may hold `Unknown`)."""

    name: str
    owner: str  # "task definition 'web'"
    fields: dict[str, Any]
    environment: list[EnvVar] = field(default_factory=list)
    # Why some environment entries could not be read (rules that read the environment skip them).
    environment_unreadable: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"container '{self.name}' in {self.owner}"

    @property
    def subject(self) -> str:
        """The start of a violation sentence: "Container 'app' in task definition 'web'"."""
        return f"Container '{self.name}' in {self.owner}"

    def get(self, key: str) -> Any:
        return self.fields.get(key)

    def not_known(self, key: str) -> str:
        return not_known(f"{key} of {self.where}")

    @property
    def essential(self) -> bool:
        # ECS treats a container as essential unless it says otherwise.
        return self.fields.get("essential") is not False


@dataclass
class Task(Described):
    """What a resource says about its task: size, platform and containers."""

    owner: str
    fargate: bool | Unknown
    cpu: Any
    memory: Any
    os_family: Any
    cpu_architecture: Any
    network_mode: Any  # as set; awsx registers "awsvpc" whatever its inputs say
    containers: list[Container] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # violations of READABLE_POLICY
    # Skip reasons for the parts no rule can check: unknown (preview) or malformed.
    unknowns: list[str] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)
    awsx_default_logs: bool = False  # awsx adds awslogs to containers without logConfiguration
    # Read from an awsx component's own inputs (its port mappings may name a targetGroup).
    awsx_inputs: bool = False
    # The awsx component that registered this task definition ("awsx:ecs:FargateService 'web'").
    awsx_component: str | None = None


def read_task(
    resource_type: str, name: str, props: dict[str, Any], parent: str | None = None
) -> Task | None:
    """The task a resource describes, or None if the resource holds no container definitions.
    `parent` (its parent's URN) names the awsx component that created it, if one did."""
    owner = rt.describe_resource(resource_type, name, parent)
    if resource_type == rt.TASK_DEFINITION:
        task = _read_ecs_task_definition(owner, props)
        task.awsx_component = rt.awsx_component(parent)
        return task
    if resource_type == rt.AWSX_FARGATE_TASK_DEFINITION:
        return _read_awsx_task_definition(owner, props)
    if resource_type == rt.AWSX_FARGATE_SERVICE:
        args = props.get("taskDefinitionArgs")
        if args is None:
            return None  # an existing task definition (taskDefinition ARN) is checked on its own
        if isinstance(args, dict):
            return _read_awsx_task_definition(owner, args)
        task = _empty_task(owner, fargate=True, args={})
        _unreadable(task, "taskDefinitionArgs", args)
        return task
    return None


def task_of(resource: Any) -> Task | None:
    """read_task for a Subject or StackResource (anything with type, name, props and parent)."""
    return read_task(resource.resource_type, resource.name, resource.props, resource.parent)


def _empty_task(owner: str, fargate: bool | Unknown, args: dict[str, Any]) -> Task:
    platform = args.get("runtimePlatform")
    platform = platform if isinstance(platform, dict) else {}
    return Task(
        owner=owner,
        fargate=fargate,
        cpu=args.get("cpu"),
        memory=args.get("memory"),
        os_family=platform.get("operatingSystemFamily"),
        cpu_architecture=platform.get("cpuArchitecture"),
        network_mode=args.get("networkMode"),
    )


def _unreadable(task: Task, key: str, value: Any) -> None:
    """Record that `key` cannot be read: a skip reason, and a problem unless it is unknown."""
    if is_unknown(value):
        task.unknowns.append(not_known(f"{key} of {task.owner}"))
        return
    _malformed(
        task, key, f"must set {key} to an object, not {describe(value)} ({type_name(value)})"
    )


def _malformed(task: Task, what: str, requirement: str) -> None:
    """`what` cannot be read: a violation sentence for READABLE_POLICY and a skip reason."""
    task.malformed.append(f"{what} of {task.owner} is malformed (see {READABLE_POLICY})")
    task.problems.append(f"{upper_first(task.owner)} {requirement}.")


def _read_ecs_task_definition(owner: str, props: dict[str, Any]) -> Task:
    compat = props.get("requiresCompatibilities")
    fargate = compat if is_unknown(compat) else requires_fargate(compat)
    task = _empty_task(owner, fargate, props)
    raw = props.get("containerDefinitions")
    if isinstance(raw, str):
        containers, problems, unknowns, malformed = _containers_of_text(owner, raw)
        task.containers += containers
        task.problems += problems
        task.unknowns += unknowns
        task.malformed += malformed
    else:
        _read_definitions(task, raw)
    return task


# Each of the dozen policies that read containers reads the same task definition: its containers
# are read once per (owner, text). Everything _read_definitions adds to a task depends on those
# two alone. The Containers are shared between tasks, so they are read-only: no rule modifies
# the containers it reads (nor does any reader after _container).
@cached
def _containers_of_text(
    owner: str, text: str
) -> tuple[tuple[Container, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """What _read_definitions adds to an empty task of `owner` for containerDefinitions `text`:
    its containers, problems, unknowns and malformed parts."""
    task = _empty_task(owner, fargate=True, args={})
    _read_definitions(task, text)
    return tuple(task.containers), tuple(task.problems), tuple(task.unknowns), tuple(task.malformed)


def _read_definitions(task: Task, raw: Any) -> None:
    """Add the containers of containerDefinitions `raw` to `task`, with what cannot be read."""
    owner = task.owner
    definitions = _decode_definitions(task, raw)
    if definitions is None:
        return
    seen: set[str] = set()
    for index, definition in enumerate(definitions):
        label = f"container definition #{index + 1}"
        if is_unknown(definition):
            task.unknowns.append(not_known(f"{label} of {owner}"))
            continue
        if not isinstance(definition, dict):
            _malformed(task, label, f"must make {label} a JSON object, not {describe(definition)}")
            continue
        name = definition.get("name")
        if is_unknown(name):
            task.unknowns.append(not_known(f"the name of {label} of {owner}"))
            continue
        if not isinstance(name, str) or not name.strip():
            _malformed(
                task, label, f"must give {label} a non-empty string name, not {describe(name)}"
            )
            continue
        if name in seen:
            _malformed(
                task, label, f"must give each container a unique name: '{name}' is used twice"
            )
            continue
        seen.add(name)
        task.containers.append(_container(task, name, definition))


def _decode_definitions(task: Task, raw: Any) -> list[Any] | None:
    """The container definitions as a list, or None after recording why they cannot be read."""
    key = "containerDefinitions"
    if is_unknown(raw):
        task.unknowns.append(f"{not_known(f'{key} of {task.owner}')} ({UNKNOWN_DEFINITIONS_FIX})")
        return None
    decoded = raw
    if isinstance(raw, str):
        try:
            # Sentinels inside the JSON mean unknown too (a program may embed them by hand).
            decoded = plain_json(raw)
        except ValueError as error:
            _malformed(
                task,
                key,
                f"must set {key} to a JSON array of container definitions; "
                f"it is not valid JSON ({error})",
            )
            return None
    if not isinstance(decoded, list) or not decoded:
        _malformed(
            task,
            key,
            f"must set {key} to a non-empty JSON array of container definitions, "
            f"not {describe(decoded)} ({type_name(decoded)})",
        )
        return None
    return decoded


def _read_awsx_task_definition(owner: str, args: dict[str, Any]) -> Task:
    task = _empty_task(owner, fargate=True, args=args)
    # pulumi-awsx awsx/ecs/fargateTaskDefinition.ts buildTaskDefinitionArgs sets it last.
    task.network_mode = AWSVPC
    task.awsx_inputs = True
    log_group = args.get("logGroup")
    task.awsx_default_logs = not (isinstance(log_group, dict) and log_group.get("skip") is True)
    single, many = args.get("container"), args.get("containers")
    if (single is None) == (many is None):
        which = "both" if single is not None else "neither"
        _malformed(
            task, "containers", f"must set exactly one of container or containers, not {which}"
        )
    elif single is not None:
        _read_awsx_single_container(task, single)
    elif not isinstance(many, dict):
        _unreadable(task, "containers", many)
    else:
        for name, definition in many.items():
            if isinstance(definition, dict):
                # awsx names each container by its key in the map.
                task.containers.append(_container(task, name, definition))
            else:
                _unreadable(task, f"containers.{name}", definition)
    return task


def _read_awsx_single_container(task: Task, single: Any) -> None:
    if not isinstance(single, dict):
        _unreadable(task, "container", single)
        return
    name = single.get("name")
    if is_unknown(name):
        task.unknowns.append(not_known(f"the container name of {task.owner}"))
    elif name is not None and not isinstance(name, str):
        _malformed(
            task, "container", f"must give its container a string name, not {describe(name)}"
        )
    else:
        task.containers.append(_container(task, name or AWSX_DEFAULT_CONTAINER_NAME, single))


def _container(task: Task, name: str, definition: dict[str, Any]) -> Container:
    container = Container(name=name, owner=task.owner, fields=definition)
    _read_environment(task, container)
    return container


def _read_environment(task: Task, container: Container) -> None:
    """Fill `container.environment`; shape errors are problems of the task (READABLE_POLICY)."""
    raw = container.get("environment")
    skips = container.environment_unreadable
    malformed = f"environment of {container.where} is malformed (see {READABLE_POLICY})"
    if raw is None:
        return
    if is_unknown(raw):
        skips.append(container.not_known("environment"))
        return
    if not isinstance(raw, list):
        skips.append(malformed)
        task.problems.append(
            f"{container.subject} must set environment to an array of "
            f"{{name, value}} objects, not {describe(raw)}."
        )
        return
    for entry in raw:
        name = entry.get("name") if isinstance(entry, dict) else None
        if is_unknown(entry) or is_unknown(name):
            skips.append(container.not_known("an environment variable name"))
        elif isinstance(name, str) and name:
            container.environment.append(EnvVar(name, entry.get("value")))
        else:
            skips.append(malformed)
            task.problems.append(
                f"{container.subject} must give every environment entry a string name, "
                f"not {describe(entry)}."
            )


def skip_unreadable(task: Task, findings: Findings) -> None:
    """Tell `findings` which parts of the task a rule could not check, and why."""
    for reason in task.unknowns + task.malformed:
        findings.skip(reason)
