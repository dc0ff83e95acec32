"""Every policy of the pack, in the order reports list them: the mission's four rules first.

Each policy is declared in its own module under `rules/`, named after the policy
(`ecs-container-non-root` in rules/ecs_container_non_root.py); tests/policy/test_policy_layout.py
holds that this list and the declarations are the same set."""

from __future__ import annotations

from pulumi_policy import Policy

from fargate_policies.framework import DOCS, PolicyDoc

# isort: off
# Declaration order is the order of DOCS, which policy-exemption-valid's "use one of ..." lists:
# these imports keep the order the pack has always declared its policies in.
from fargate_policies.rules.alb_access_logs import alb_access_logs
from fargate_policies.rules.ecs_service_architecture import service_architecture
from fargate_policies.rules.ecs_container_single_process import container_single_process
from fargate_policies.rules.ecs_service_health_check_consistency import service_health_consistency
from fargate_policies.rules.ecs_service_circuit_breaker import service_circuit_breaker
from fargate_policies.rules.policy_exemption_valid import policy_exemption_valid
from fargate_policies.rules.policy_exemption_active import policy_exemption_active
from fargate_policies.rules.ecs_container_read_only_root_fs import container_read_only_root
from fargate_policies.rules.vpc_flow_logs import vpc_flow_logs
from fargate_policies.rules.ecs_container_health_check import container_health_check
from fargate_policies.rules.alb_target_group_health_check import target_group_health_check
from fargate_policies.rules.ecs_service_health_check_grace_period import service_grace_period
from fargate_policies.rules.ecs_service_ingress_from_alb_only import service_ingress_from_alb_only
from fargate_policies.rules.alb_http_redirects_to_https import http_redirects_to_https
from fargate_policies.rules.alb_https_tls12 import https_tls12
from fargate_policies.rules.alb_drop_invalid_headers import drop_invalid_headers
from fargate_policies.rules.ecs_container_awslogs import container_awslogs
from fargate_policies.rules.ecs_service_no_public_ip import service_no_public_ip
from fargate_policies.rules.ecs_container_non_root import container_non_root
from fargate_policies.rules.ecs_container_not_privileged import container_not_privileged
from fargate_policies.rules.ecs_task_definition_readable import task_definition_readable
from fargate_policies.rules.ecr_repository_scan_on_push import ecr_scan_on_push
from fargate_policies.rules.ecr_repository_immutable_tags import ecr_immutable_tags
from fargate_policies.rules.ecs_container_no_plaintext_secrets import container_no_plaintext_secrets
from fargate_policies.rules.ecs_service_shutdown_timing import service_shutdown_chain
from fargate_policies.rules.ecs_fargate_task_size import task_size
from fargate_policies.rules.ecs_container_resources_fit_task import containers_fit_task
from fargate_policies.rules.ecs_tasks_trust_source_condition import ecs_tasks_trust_source
from fargate_policies.rules.alb_web_acl import alb_web_acl
from fargate_policies.rules.ecs_awsvpc_host_port import awsvpc_host_port
from fargate_policies.rules.ecs_fargate_network_mode import fargate_network_mode
# isort: on

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
    # What ECS refuses at `up` after a clean preview: mandatory everywhere.
    awsvpc_host_port,
    fargate_network_mode,
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
