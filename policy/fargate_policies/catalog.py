"""Every policy of the pack, in the order reports list them: the mission's four rules first."""

from __future__ import annotations

from pulumi_policy import Policy

from fargate_policies.access_logs import alb_access_logs
from fargate_policies.architecture import service_architecture
from fargate_policies.consistency import service_health_consistency
from fargate_policies.deployment import service_circuit_breaker
from fargate_policies.exemption_policies import policy_exemption_active, policy_exemption_valid
from fargate_policies.filesystem import container_read_only_root
from fargate_policies.flow_logs import vpc_flow_logs
from fargate_policies.framework import DOCS, PolicyDoc
from fargate_policies.health_checks import (
    container_health_check,
    service_grace_period,
    target_group_health_check,
)
from fargate_policies.ingress import service_ingress_from_alb_only
from fargate_policies.load_balancer import (
    drop_invalid_headers,
    http_redirects_to_https,
    https_tls12,
)
from fargate_policies.logs import container_awslogs
from fargate_policies.network import service_no_public_ip
from fargate_policies.non_root import container_non_root, container_not_privileged
from fargate_policies.process_model import container_single_process
from fargate_policies.readable import task_definition_readable
from fargate_policies.registry import ecr_immutable_tags, ecr_scan_on_push
from fargate_policies.secrets import container_no_plaintext_secrets
from fargate_policies.shutdown import service_shutdown_chain
from fargate_policies.task_size import containers_fit_task, task_size
from fargate_policies.trust_policies import ecs_tasks_trust_source
from fargate_policies.waf import alb_web_acl

PACK_NAME = "fargate-service-guard"

ALL_POLICIES: list[Policy] = [
    # The mission: mandatory everywhere.
    container_non_root,
    container_not_privileged,
    container_health_check,
    target_group_health_check,
    service_grace_period,
    container_single_process,
    task_size,
    containers_fit_task,
    task_definition_readable,
    # What a platform team expects: advisory by default, mandatory in policy/config/prod.json.
    container_read_only_root,
    container_awslogs,
    ecr_scan_on_push,
    ecr_immutable_tags,
    service_no_public_ip,
    service_circuit_breaker,
    http_redirects_to_https,
    https_tls12,
    drop_invalid_headers,
    container_no_plaintext_secrets,
    service_ingress_from_alb_only,
    # One service end to end (stack policies): advisory by default, mandatory in prod.
    service_health_consistency,
    service_shutdown_chain,
    service_architecture,
    # The edge and the roles around the service: advisory by default, mandatory in staging/prod.
    alb_access_logs,
    vpc_flow_logs,
    alb_web_acl,
    ecs_tasks_trust_source,
    # Exemptions (resource tags with a reason and an expiry): wrong ones block, active ones note.
    policy_exemption_valid,
    policy_exemption_active,
]

POLICY_DOCS: dict[str, PolicyDoc] = {policy.name: DOCS[policy.name] for policy in ALL_POLICIES}
