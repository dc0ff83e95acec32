"""An AWS WAF web ACL on the ALB: AWS's common rule set and known-bad-inputs rule set, and a
per-IP rate limit. Each acts (block) or only counts, as the stack says, so a team can watch a
rule set in count mode before it blocks anything."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from fargate_spec import edge
from infra.component import Component

RATE_RULE = "rate-limit-per-ip"


@dataclass(frozen=True)
class WebAclArgs:
    """Inputs of the web ACL; defaults are the settings' (infra.settings)."""

    load_balancer_arn: pulumi.Input[str]
    metric_prefix: str
    rate_limit: int
    """Requests one IP may send per 5 minutes (WAF's default window) before the rule acts."""
    common_rule_set_action: str
    known_bad_inputs_action: str
    rate_limit_action: str
    tags: Mapping[str, str]


class WebAcl(Component):
    """Web ACL (regional, default allow) + its association with the ALB."""

    acl: aws.wafv2.WebAcl
    association: aws.wafv2.WebAclAssociation

    def __init__(
        self, name: str, args: WebAclArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("fastapi-fargate:waf:WebAcl", name, opts)
        self._args = args
        self.acl = self._acl()
        self.association = aws.wafv2.WebAclAssociation(
            self._child_name("waf-association"),
            resource_arn=args.load_balancer_arn,
            web_acl_arn=self.acl.arn,
            opts=self._child(),
        )
        self.register_outputs({"webAclArn": self.acl.arn})

    def _acl(self) -> aws.wafv2.WebAcl:
        args = self._args
        rules = [
            self._managed_rule(1, edge.WAF_COMMON_RULE_SET, args.common_rule_set_action),
            self._managed_rule(2, edge.WAF_KNOWN_BAD_INPUTS_RULE_SET, args.known_bad_inputs_action),
            self._rate_rule(3),
        ]
        return aws.wafv2.WebAcl(
            self._child_name("waf"),
            scope="REGIONAL",  # an ALB's ACL is regional; CLOUDFRONT is for distributions
            default_action=aws.wafv2.WebAclDefaultActionArgs(
                allow=aws.wafv2.WebAclDefaultActionAllowArgs()
            ),
            rules=rules,
            visibility_config=self._visibility("all"),
            tags=dict(args.tags),
            opts=self._child(),
        )

    def _managed_rule(self, priority: int, group: str, action: str) -> aws.wafv2.WebAclRuleArgs:
        # A rule group keeps its own rule actions (mostly block); `override_action` count
        # turns every match into a count, none leaves the group's actions as they are.
        override = (
            aws.wafv2.WebAclRuleOverrideActionArgs(
                count=aws.wafv2.WebAclRuleOverrideActionCountArgs()
            )
            if action == "count"
            else aws.wafv2.WebAclRuleOverrideActionArgs(
                none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()
            )
        )
        return aws.wafv2.WebAclRuleArgs(
            name=group,
            priority=priority,
            override_action=override,
            statement=aws.wafv2.WebAclRuleStatementArgs(
                managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                    vendor_name="AWS", name=group
                )
            ),
            visibility_config=self._rule_visibility(group),
        )

    def _rate_rule(self, priority: int) -> aws.wafv2.WebAclRuleArgs:
        action = (
            aws.wafv2.WebAclRuleActionArgs(count=aws.wafv2.WebAclRuleActionCountArgs())
            if self._args.rate_limit_action == "count"
            else aws.wafv2.WebAclRuleActionArgs(block=aws.wafv2.WebAclRuleActionBlockArgs())
        )
        return aws.wafv2.WebAclRuleArgs(
            name=RATE_RULE,
            priority=priority,
            action=action,
            statement=aws.wafv2.WebAclRuleStatementArgs(
                rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
                    aggregate_key_type="IP", limit=self._args.rate_limit
                )
            ),
            visibility_config=self._rule_visibility(RATE_RULE),
        )

    def _metric(self, suffix: str) -> str:
        return f"{self._args.metric_prefix}-{suffix}"

    def _visibility(self, suffix: str) -> aws.wafv2.WebAclVisibilityConfigArgs:
        return aws.wafv2.WebAclVisibilityConfigArgs(
            cloudwatch_metrics_enabled=True,
            sampled_requests_enabled=True,
            metric_name=self._metric(suffix),
        )

    def _rule_visibility(self, suffix: str) -> aws.wafv2.WebAclRuleVisibilityConfigArgs:
        return aws.wafv2.WebAclRuleVisibilityConfigArgs(
            cloudwatch_metrics_enabled=True,
            sampled_requests_enabled=True,
            metric_name=self._metric(suffix),
        )
