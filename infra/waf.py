"""An AWS WAF web ACL on the ALB: AWS's common rule set and known-bad-inputs rule set, and a
per-IP rate limit. Each acts (block) or only counts, as the stack says, so a team can watch a
rule set in count mode before it blocks anything."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi_aws as aws

from fargate_spec import edge
from infra.component import BuiltComponent

if TYPE_CHECKING:
    from infra.settings import Settings

RATE_RULE = "rate-limit-per-ip"


@dataclass(frozen=True)
class WebAclArgs:
    """Inputs of the web ACL; defaults are the settings' (infra.settings)."""

    load_balancer_arn: pulumi.Input[str]
    metric_prefix: str
    tags: Mapping[str, str]
    rate_limit: int
    """Requests one IP may send per 5 minutes (WAF's default window) before the rule acts."""
    actions: Mapping[str, str]
    """count or block per rule: the two managed rule groups by name, and RATE_RULE."""


class WebAcl(BuiltComponent[WebAclArgs]):
    """Web ACL (regional, default allow) + its association with the ALB."""

    TYPE = "fastapi-fargate:waf:WebAcl"

    def _build(self) -> dict[str, Any]:
        # Evaluated for every request the ALB receives, before any listener rule.
        self.acl: aws.wafv2.WebAcl = self._acl()
        self.association = aws.wafv2.WebAclAssociation(
            self._child_name("waf-association"),
            resource_arn=self._args.load_balancer_arn,
            web_acl_arn=self.acl.arn,
            opts=self._child(),
        )
        return {"webAclArn": self.acl.arn}

    def _acl(self) -> aws.wafv2.WebAcl:
        args = self._args
        rules = [
            self._managed_rule(1, edge.WAF_COMMON_RULE_SET),
            self._managed_rule(2, edge.WAF_KNOWN_BAD_INPUTS_RULE_SET),
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

    def _managed_rule(self, priority: int, group: str) -> aws.wafv2.WebAclRuleArgs:
        # A rule group keeps its own rule actions (mostly block); `override_action` count
        # turns every match into a count, none leaves the group's actions as they are.
        override = aws.wafv2.WebAclRuleOverrideActionArgs(
            **(
                {"count": aws.wafv2.WebAclRuleOverrideActionCountArgs()}
                if self._args.actions[group] == "count"
                else {"none": aws.wafv2.WebAclRuleOverrideActionNoneArgs()}
            )
        )
        managed = aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
            vendor_name="AWS", name=group
        )
        statement = aws.wafv2.WebAclRuleStatementArgs(managed_rule_group_statement=managed)
        return self._rule(priority, group, statement, override_action=override)

    def _rate_rule(self, priority: int) -> aws.wafv2.WebAclRuleArgs:
        counting = self._args.actions[RATE_RULE] == "count"
        action = aws.wafv2.WebAclRuleActionArgs(
            **(
                {"count": aws.wafv2.WebAclRuleActionCountArgs()}
                if counting
                else {"block": aws.wafv2.WebAclRuleActionBlockArgs()}
            )
        )
        rate = aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
            aggregate_key_type="IP", limit=self._args.rate_limit
        )
        statement = aws.wafv2.WebAclRuleStatementArgs(rate_based_statement=rate)
        return self._rule(priority, RATE_RULE, statement, action=action)

    def _rule(
        self,
        priority: int,
        name: str,
        statement: aws.wafv2.WebAclRuleStatementArgs,
        **action: Any,
    ) -> aws.wafv2.WebAclRuleArgs:
        """One rule; `action` is `action=` for a plain rule, `override_action=` for a group."""
        return aws.wafv2.WebAclRuleArgs(
            name=name,
            priority=priority,
            statement=statement,
            visibility_config=self._rule_visibility(name),
            **action,
        )

    def _visibility(self, suffix: str) -> aws.wafv2.WebAclVisibilityConfigArgs:
        return aws.wafv2.WebAclVisibilityConfigArgs(**self._metrics(suffix))

    def _rule_visibility(self, suffix: str) -> aws.wafv2.WebAclRuleVisibilityConfigArgs:
        return aws.wafv2.WebAclRuleVisibilityConfigArgs(**self._metrics(suffix))

    def _metrics(self, suffix: str) -> dict[str, Any]:
        """CloudWatch metrics and sampled requests for the ACL and each rule (the same fields
        under two SDK types)."""
        return {
            "cloudwatch_metrics_enabled": True,
            "sampled_requests_enabled": True,
            "metric_name": f"{self._args.metric_prefix}-{suffix}",
        }


def create_web_acl(settings: Settings, load_balancer_arn: pulumi.Input[str]) -> WebAcl | None:
    """The ALB's web ACL, or None where waf is off (dev by default)."""
    if not settings.waf:
        return None
    actions = {
        edge.WAF_COMMON_RULE_SET: settings.waf_common_rule_set_action,
        edge.WAF_KNOWN_BAD_INPUTS_RULE_SET: settings.waf_known_bad_inputs_action,
        RATE_RULE: settings.waf_rate_limit_action,
    }
    args = WebAclArgs(
        load_balancer_arn, settings.physical_name, settings.tags, settings.waf_rate_limit, actions
    )
    return WebAcl(settings.service_name, args)
