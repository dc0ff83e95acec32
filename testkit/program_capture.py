"""Run the real Pulumi program (__main__.py and the infra package) under Pulumi's mocks and
capture every resource it registers, as the engine would see it. No AWS, no CLI.

Interface (stable; the policy tests build their corpus on it):

    capture_stack(stack_name, overrides=None, *, preview=True, fake=None) -> CapturedStack
        Config = Pulumi.yaml defaults, then Pulumi.<stack_name>.yaml, then `overrides`, each
        value converted to the string the CLI would pass (ints "3", bools "true", lists JSON).
        Override keys are "cpu" (this project's namespace) or "aws:region"; None removes a key.
        A run stopped by a pulumi.RunError returns a CapturedStack with that `error` and the
        resources registered before it (none for a config error: settings come first). Any
        other exception propagates. preview=True runs it as `pulumi preview` does (what the
        pack and the offline rehearsal see); preview=False as `pulumi up`, which refuses the
        stack files' documentation placeholders (infra.placeholders) until overrides replace
        them. `fake` replaces the FakeAws mocks (e.g. one that reads back a rolled-back
        service).

    stack_config(stack_name, overrides=None) -> dict[str, str]
        Only the config, as above.

    CapturedStack.resources: tuple[CapturedResource, ...], sorted by URN; the stack itself is
    not included. `of_type(token)`, `one(token)`, `named(name)`, `children_of(resource)`,
    `type_counts()` select from them; `outputs` holds the stack exports.

    CapturedResource: type ("aws:ecs/taskDefinition:TaskDefinition"), name (logical), urn, id,
    inputs (camelCase as the engine sees them; integers arrive as floats; containerDefinitions
    is a JSON string), outputs (what the mock returned: the inputs plus id, ARN and name for
    custom resources, as pulumi-aws reports them; `register_outputs` values for components),
    parent_urn (None under the stack), custom, remote (awsx components), protect,
    retain_on_delete, ignore_changes, dependencies (URNs).

    FakeAws(region): the Mocks implementation itself (deterministic IDs, ARNs, names).

Each call runs in a fresh thread with its own context and event loop, so Pulumi's global state
(settings, root resource, config) never leaks between calls or into the calling test. Under
mocks, awsx components are remote: the mock answers for `awsx:ec2:Vpc` and `awsx:ecr:Image`
and no children of theirs are registered.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import logging
import runpy
import sys
import threading
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import config as runtime_config
from pulumi.runtime import mocks, rpc, settings, stack
from pulumi.runtime.proto import engine_pb2
from pulumi.runtime.sync_await import _ensure_event_loop

ROOT = Path(__file__).resolve().parents[1]
PROGRAM = ROOT / "__main__.py"
ACCOUNT_ID = "123456789012"
STACK_TYPE = "pulumi:pulumi:Stack"


# The SDK sends each registration to the (mock) monitor on an executor thread, and the mock
# monitor gives that thread its own event loop. One long-lived pool for every run keeps those
# loops alive and reused; a pool per run would leave a dead, unclosed loop per thread per run.
class _SharedExecutor(ThreadPoolExecutor):
    """Outlives each run's event loop: `loop.close()` shuts its default executor down."""

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Kept up for the next run; the interpreter joins its threads at exit."""


_RPC_EXECUTOR = _SharedExecutor(max_workers=4, thread_name_prefix="pulumi-mocks-rpc")


@dataclass(frozen=True)
class CapturedResource:
    """One registered resource, as the engine (and a policy pack) sees it."""

    type: str
    name: str
    urn: str
    id: str
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]
    parent_urn: str | None
    custom: bool
    remote: bool
    protect: bool
    retain_on_delete: bool
    ignore_changes: tuple[str, ...]
    dependencies: tuple[str, ...]


@dataclass(frozen=True)
class CapturedStack:
    """What one run of the program registered and exported (or the error that stopped it)."""

    stack: str
    config: Mapping[str, str]
    resources: tuple[CapturedResource, ...]
    outputs: Mapping[str, Any]
    error: pulumi.RunError | None = None
    logs: tuple[tuple[str, str], ...] = field(default=())
    """(severity, message) of what the program logged through pulumi.log, DEBUG left out."""

    def of_type(self, type_token: str) -> list[CapturedResource]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str) -> CapturedResource:
        found = self.of_type(type_token)
        if len(found) != 1:
            raise AssertionError(f"expected one {type_token}, found {len(found)}")
        return found[0]

    def named(self, name: str) -> CapturedResource:
        found = [r for r in self.resources if r.name == name]
        if len(found) != 1:
            raise AssertionError(f"expected one resource named {name!r}, found {len(found)}")
        return found[0]

    def children_of(self, parent: CapturedResource) -> list[CapturedResource]:
        return [r for r in self.resources if r.parent_urn == parent.urn]

    def type_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(r.type for r in self.resources).items()))


def capture_stack(
    stack_name: str,
    overrides: Mapping[str, Any] | None = None,
    *,
    preview: bool = True,
    fake: mocks.Mocks | None = None,
) -> CapturedStack:
    """Run the program for `stack_name` under mocks; see the module docstring."""
    config = stack_config(stack_name, overrides)
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = _run_program(stack_name, config, preview, fake)
        except BaseException as error:
            result["error"] = error

    # A new thread starts with an empty context and no event loop: no state from earlier runs.
    worker = threading.Thread(target=run, name=f"pulumi-mocks-{stack_name}")
    worker.start()
    worker.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


def stack_config(stack_name: str, overrides: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The config the CLI would pass: Pulumi.yaml defaults < stack file < overrides."""
    project = project_name()
    values: dict[str, str] = {}
    for key, spec in _project_file().get("config", {}).items():
        if isinstance(spec, dict) and "default" in spec:
            values[f"{project}:{key}"] = _as_config_string(spec["default"])
    stack_file = ROOT / f"Pulumi.{stack_name}.yaml"
    if stack_file.exists():
        stack_values = yaml.safe_load(stack_file.read_text()).get("config") or {}
        for key, value in stack_values.items():
            values[_namespaced(project, key)] = _as_config_string(value)
    for key, value in (overrides or {}).items():
        full = _namespaced(project, key)
        if value is None:
            values.pop(full, None)
        else:
            values[full] = _as_config_string(value)
    return values


def project_name() -> str:
    return str(_project_file()["name"])


@cache
def _project_file() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "Pulumi.yaml").read_text())


def _namespaced(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _as_config_string(value: Any) -> str:
    """How the CLI hands a config value to the program: every value is a string."""
    if isinstance(value, dict) and "secure" in value:
        raise ValueError("encrypted config values cannot be used under mocks")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


# ---------------------------------------------------------------------------------------------
# The run itself: the same steps as Pulumi's automation server (reset, config, run_in_stack on a
# new event loop), with a recording mock monitor in place of the engine.


def _run_program(
    stack_name: str, config: dict[str, str], preview: bool, fake: mocks.Mocks | None
) -> CapturedStack:
    project = project_name()
    settings.reset_options(project=project, stack=stack_name, preview=preview)
    runtime_config.set_all_config(config, [])
    monitor = _RecordingMonitor(fake or FakeAws(config.get("aws:region") or "eu-west-1"))
    engine = _RecordingEngine()
    settings.configure(
        mocks.MockSettings(
            monitor=monitor,
            monitor_features=set(monitor.GetDeploymentInfo(None).supportedFeatures),
            engine=engine,
            project=project,
            stack=stack_name,
            dry_run=preview,
            organization="organization",
            callbacks=None,
        )
    )
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    loop = _ensure_event_loop()
    loop.set_default_executor(_RPC_EXECUTOR)
    error: pulumi.RunError | None = None
    try:
        loop.run_until_complete(
            stack.run_in_stack(lambda: runpy.run_path(str(PROGRAM), run_name="__main__"))
        )
    except pulumi.RunError as refused:
        error = refused
    finally:
        _close(loop)
    return CapturedStack(
        stack=stack_name,
        config=dict(config),
        resources=tuple(sorted(monitor.captured, key=lambda r: r.urn)),
        outputs=monitor.stack_outputs,
        error=error,
        logs=tuple(engine.messages),
    )


def _close(loop: asyncio.AbstractEventLoop) -> None:
    """As Pulumi's automation server does: cancel what is left, then close the loop (the shared
    executor stays up for the next run)."""
    for task in asyncio.all_tasks(loop):
        task.cancel()
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()


class _RecordingMonitor(mocks.MockMonitor):
    """The SDK's mock monitor, also keeping each registration's options and parent."""

    def __init__(self, fake: mocks.Mocks) -> None:
        super().__init__(fake)
        self._lock = threading.Lock()
        self.captured: list[CapturedResource] = []
        self.component_outputs: dict[str, dict[str, Any]] = {}
        self.stack_outputs: dict[str, Any] = {}

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)
        if request.type == STACK_TYPE:
            return response
        _ensure_event_loop()
        resource = CapturedResource(
            type=request.type,
            name=request.name,
            urn=response.urn,
            id=response.id,
            inputs=rpc.deserialize_properties(request.object),
            outputs=self.resources[response.urn].state,
            parent_urn=None if _is_stack(request.parent) else request.parent or None,
            custom=request.custom,
            remote=request.remote,
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            ignore_changes=tuple(request.ignoreChanges),
            dependencies=tuple(request.dependencies),
        )
        with self._lock:
            self.captured.append(resource)
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        _ensure_event_loop()
        outputs = rpc.deserialize_properties(request.outputs)
        with self._lock:
            if _is_stack(request.urn):
                self.stack_outputs = outputs
            else:
                self._attach_component_outputs(request.urn, outputs)
        return super().RegisterResourceOutputs(request)

    def _attach_component_outputs(self, urn: str, outputs: dict[str, Any]) -> None:
        for index, resource in enumerate(self.captured):
            if resource.urn == urn:
                self.captured[index] = dataclasses.replace(resource, outputs=outputs)


def _is_stack(urn: str) -> bool:
    return urn.split("::")[2:3] == [STACK_TYPE] if urn else False


class _RecordingEngine(mocks.MockEngine):
    def __init__(self) -> None:
        super().__init__(logging.getLogger("program_capture"))
        self.messages: list[tuple[str, str]] = []

    def Log(self, request: Any) -> None:  # noqa: N802 - gRPC method name
        if request.severity == engine_pb2.DEBUG:
            return  # the SDK's own chatter ("registering resource ...")
        self.messages.append((engine_pb2.LogSeverity.Name(request.severity), request.message))


class FakeAws(mocks.Mocks):
    """Answers like AWS would, deterministically: ids, ARNs and names derived from the URN, and
    the outputs of the awsx components the program reads."""

    def __init__(self, region: str) -> None:
        self.region = region

    def call(self, args: mocks.MockCallArgs) -> tuple[dict, list]:
        # Only the data sources the provider answers from its credentials alone (the offline
        # stand-ins answer the same ones, offline/standins/invokes.py); any other call means
        # the program now needs AWS at plan time.
        answer = _FAKE_CALLS.get(args.token)
        if answer is None:
            raise NotImplementedError(f"unexpected provider call {args.token} under mocks")
        return answer(self, args.args), []

    def _caller_identity(self, args: dict) -> dict:
        return {
            "accountId": ACCOUNT_ID,
            "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/program-capture",
            "id": ACCOUNT_ID,
            "userId": "AIDAPROGRAMCAPTURE00",
        }

    def _partition(self, args: dict) -> dict:
        return {
            "id": "aws",
            "partition": "aws",
            "dnsSuffix": "amazonaws.com",
            "reverseDnsPrefix": "com.amazonaws",
        }

    def _authorization_token(self, args: dict) -> dict:
        registry = f"{args.get('registryId') or ACCOUNT_ID}.dkr.ecr.{self.region}.amazonaws.com"
        return {
            "authorizationToken": "QVdTOm1vY2stcGFzc3dvcmQ=",
            "expiresAt": "2030-01-01T00:00:00Z",
            "id": self.region,
            "password": "mock-password",
            "proxyEndpoint": f"https://{registry}",
            "userName": "AWS",
        }

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict]:
        suffix = hashlib.sha256(f"{args.typ}::{args.name}".encode()).hexdigest()[:7]
        name = args.inputs.get("name") or f"{args.name}-{suffix}"
        if not args.custom and not args.typ.startswith("awsx:"):
            return "", {}  # this program's own components: their outputs are register_outputs'
        handler = _FAKE_OUTPUTS.get(args.typ)
        extra = handler(self, name, suffix, args.inputs) if handler else {}
        if args.typ.startswith("awsx:"):
            # Remote components return only their declared outputs; echoing inputs would not
            # type-check (their outputs are resources, not the inputs).
            return f"{args.name}-{suffix}", extra
        arn = extra.pop("arn", self._arn(args.typ, name))
        outputs = {**args.inputs, "name": name, "arn": arn, "tagsAll": args.inputs.get("tags")}
        outputs |= extra
        # Bridged providers such as pulumi-aws report the ID among the outputs too.
        outputs.setdefault("id", f"{name}-id")
        return outputs["id"], outputs

    def _arn(self, typ: str, name: str) -> str:
        service = typ.split(":")[1].split("/", maxsplit=1)[0]
        return f"arn:aws:{service}:{self.region}:{ACCOUNT_ID}:{name}"

    def _vpc(self, name: str, suffix: str, inputs: dict) -> dict:
        zones = int(inputs.get("numberOfAvailabilityZones") or 3)
        return {
            "vpcId": f"vpc-{suffix}",
            "publicSubnetIds": [f"subnet-public-{suffix}-{az}" for az in range(zones)],
            "privateSubnetIds": [f"subnet-private-{suffix}-{az}" for az in range(zones)],
            "isolatedSubnetIds": [],
        }

    def _image(self, name: str, suffix: str, inputs: dict) -> dict:
        digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
        return {"imageUri": f"{inputs['repositoryUrl']}@sha256:{digest}"}

    def _docker_build_image(self, name: str, suffix: str, inputs: dict) -> dict:
        # Built and pushed: the digest of the pushed manifest, and the first tag pinned to it.
        tags = inputs.get("tags") or []
        digest = "sha256:" + hashlib.sha256(json.dumps(tags).encode()).hexdigest()
        return {"id": digest, "digest": digest, "ref": f"{tags[0]}@{digest}" if tags else ""}

    def _repository(self, name: str, suffix: str, inputs: dict) -> dict:
        return {
            "arn": f"arn:aws:ecr:{self.region}:{ACCOUNT_ID}:repository/{name}",
            "repositoryUrl": f"{ACCOUNT_ID}.dkr.ecr.{self.region}.amazonaws.com/{name}",
            "registryId": ACCOUNT_ID,
        }

    def _load_balancer(self, name: str, suffix: str, inputs: dict) -> dict:
        arn_suffix = f"app/{name}/{suffix}"
        elb = f"arn:aws:elasticloadbalancing:{self.region}:{ACCOUNT_ID}"
        return {
            "arn": f"{elb}:loadbalancer/{arn_suffix}",
            "arnSuffix": arn_suffix,
            "dnsName": f"{name}-{int(suffix, 16)}.{self.region}.elb.amazonaws.com",
            "zoneId": "Z32O12XQLNTSW2",
        }

    def _target_group(self, name: str, suffix: str, inputs: dict) -> dict:
        arn_suffix = f"targetgroup/{name}/{suffix}"
        return {
            "arn": f"arn:aws:elasticloadbalancing:{self.region}:{ACCOUNT_ID}:{arn_suffix}",
            "arnSuffix": arn_suffix,
        }

    def _log_group(self, name: str, suffix: str, inputs: dict) -> dict:
        return {"arn": f"arn:aws:logs:{self.region}:{ACCOUNT_ID}:log-group:{name}"}

    def _role(self, name: str, suffix: str, inputs: dict) -> dict:
        return {"arn": f"arn:aws:iam::{ACCOUNT_ID}:role/{name}", "id": name}

    def _security_group(self, name: str, suffix: str, inputs: dict) -> dict:
        return {"id": f"sg-{suffix}"}

    def _task_definition(self, name: str, suffix: str, inputs: dict) -> dict:
        family = inputs["family"]
        arn = f"arn:aws:ecs:{self.region}:{ACCOUNT_ID}:task-definition/{family}:1"
        return {"arn": arn, "revision": 1, "id": family}

    def _bucket(self, name: str, suffix: str, inputs: dict) -> dict:
        # S3 reports the bucket's name as its ID.
        bucket = inputs.get("bucket") or name
        return {"id": bucket, "bucket": bucket, "arn": f"arn:aws:s3:::{bucket}"}

    def _web_acl(self, name: str, suffix: str, inputs: dict) -> dict:
        return {
            "id": f"{suffix}-waf",
            "arn": f"arn:aws:wafv2:{self.region}:{ACCOUNT_ID}:regional/webacl/{name}/{suffix}",
        }

    def _cluster(self, name: str, suffix: str, inputs: dict) -> dict:
        return {"arn": f"arn:aws:ecs:{self.region}:{ACCOUNT_ID}:cluster/{name}"}


_FAKE_CALLS = {
    "aws:index/getCallerIdentity:getCallerIdentity": FakeAws._caller_identity,
    "aws:index/getPartition:getPartition": FakeAws._partition,
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": FakeAws._authorization_token,
}

# The name testkit/policy_harness.py imports; FakeAws is the public one.
_FakeAws = FakeAws

_FAKE_OUTPUTS = {
    "awsx:ec2:Vpc": FakeAws._vpc,
    "awsx:ecr:Image": FakeAws._image,
    "docker-build:index:Image": FakeAws._docker_build_image,
    "aws:ecr/repository:Repository": FakeAws._repository,
    "aws:lb/loadBalancer:LoadBalancer": FakeAws._load_balancer,
    "aws:lb/targetGroup:TargetGroup": FakeAws._target_group,
    "aws:cloudwatch/logGroup:LogGroup": FakeAws._log_group,
    "aws:iam/role:Role": FakeAws._role,
    "aws:ec2/securityGroup:SecurityGroup": FakeAws._security_group,
    "aws:ecs/taskDefinition:TaskDefinition": FakeAws._task_definition,
    "aws:ecs/cluster:Cluster": FakeAws._cluster,
    "aws:s3/bucket:Bucket": FakeAws._bucket,
    "aws:wafv2/webAcl:WebAcl": FakeAws._web_acl,
}
