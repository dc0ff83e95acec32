"""The public entry point: an Application Load Balancer in the public subnets, its security
group, the target group that health-checks the app, and the listeners."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from fargate_spec import contract
from infra import names
from infra.component import Component
from infra.network import tcp_egress, tcp_ingress

# Target group health check: the app's liveness path, answered before routing (cheap).
# Two passes to join, three failures to leave: a task joins in ~30 s and a flapping one
# is not pulled on a single slow answer.
TARGET_HEALTH = {"interval": 15, "timeout": 5, "healthy": 2, "unhealthy": 3}
HSTS_HEADER = "max-age=31536000; includeSubDomains"


@dataclass(frozen=True)
class LoadBalancerArgs:
    """Inputs of the load balancer; defaults are the settings' (infra.settings)."""

    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    """Where the targets live: the ALB may only talk to this range, on the container port."""
    public_subnet_ids: pulumi.Input[Sequence[str]]
    ingress_cidrs: Sequence[str]
    certificate_arn: str | None
    """HTTPS (and HTTP redirected to it) when set; plain HTTP forwarding when None."""
    tls_policy: str
    idle_timeout: int
    deregistration_delay: int
    deletion_protection: bool
    tags: Mapping[str, str]
    access_logs: aws.lb.LoadBalancerAccessLogsArgs | None = None
    """Where the ALB writes access logs (infra.access_logs); None leaves them off."""
    access_log_permission: pulumi.Resource | None = None
    """The bucket policy letting ELB write there: ELB checks it when logs are turned on."""
    domain_name: str | None = None
    """With hosted_zone_id: a Route 53 alias record to the ALB, and the URL uses this name."""
    hosted_zone_id: str | None = None


class LoadBalancer(Component):
    """ALB + security group + target group (type ip) + listeners."""

    security_group: aws.ec2.SecurityGroup
    alb: aws.lb.LoadBalancer
    target_group: aws.lb.TargetGroup
    listeners: list[aws.lb.Listener]
    dns_record: aws.route53.Record | None
    url: pulumi.Output[str]
    """Where clients reach the service: the domain name when one is set, else the ALB's own DNS
    name, which an HTTPS stack's certificate does not cover (browsers refuse it)."""

    def __init__(
        self, name: str, args: LoadBalancerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("fastapi-fargate:loadbalancer:LoadBalancer", name, opts)
        self._args = args
        self.security_group = self._security_group()
        self.alb = self._alb()
        self.target_group = self._target_group()
        self.listeners = self._listeners()
        self.dns_record = self._dns_record()
        self.url = self._url()
        self.register_outputs(
            {
                "url": self.url,
                "dnsName": self.alb.dns_name,
                "arnSuffix": self.alb.arn_suffix,
                "securityGroupId": self.security_group.id,
                "targetGroupArn": self.target_group.arn,
            }
        )

    def _dns_record(self) -> aws.route53.Record | None:
        """An alias A record: Route 53 answers with the ALB's current addresses (they change)
        and takes the ALB out of answers when it has no healthy target."""
        args = self._args
        if not (args.domain_name and args.hosted_zone_id):
            return None
        return aws.route53.Record(
            self._child_name("dns"),
            zone_id=args.hosted_zone_id,
            name=args.domain_name,
            type="A",
            aliases=[
                aws.route53.RecordAliasArgs(
                    name=self.alb.dns_name, zone_id=self.alb.zone_id, evaluate_target_health=True
                )
            ],
            opts=self._child(),
        )

    def _url(self) -> pulumi.Output[str]:
        args = self._args
        scheme = "https" if args.certificate_arn else "http"
        if self.dns_record is not None:
            return pulumi.Output.from_input(f"{scheme}://{args.domain_name}")
        if args.certificate_arn:
            pulumi.log.warn(
                "url is the load balancer's DNS name, which your ACM certificate does not cover "
                "(browsers will refuse it): set domainName and hostedZoneId to a name the "
                "certificate covers"
            )
        return self.alb.dns_name.apply(lambda dns: f"{scheme}://{dns}")

    def _ports(self) -> list[int]:
        return [80, 443] if self._args.certificate_arn else [80]

    def _security_group(self) -> aws.ec2.SecurityGroup:
        args = self._args
        return aws.ec2.SecurityGroup(
            self._child_name(names.ALB_SECURITY_GROUP),
            description="Load balancer: HTTP(S) in from the allowed ranges, out to the tasks",
            vpc_id=args.vpc_id,
            ingress=[
                tcp_ingress(f"Clients on port {port}", port, cidr_blocks=list(args.ingress_cidrs))
                for port in self._ports()
            ],
            # Only to the VPC on the container port: the tasks' group admits this group alone,
            # and a CIDR here avoids a cycle between the two groups.
            egress=[
                tcp_egress("Targets on the container port", contract.CONTAINER_PORT, args.vpc_cidr)
            ],
            tags=dict(args.tags),
            opts=self._child(),
        )

    def _alb(self) -> aws.lb.LoadBalancer:
        args = self._args
        return aws.lb.LoadBalancer(
            self._child_name(names.ALB),
            load_balancer_type="application",
            internal=False,
            subnets=args.public_subnet_ids,
            security_groups=[self.security_group.id],
            # Requests with malformed headers are dropped at the edge, not passed to the app
            # (request smuggling and header injection).
            drop_invalid_header_fields=True,
            idle_timeout=args.idle_timeout,
            enable_deletion_protection=args.deletion_protection,
            access_logs=args.access_logs,
            tags=dict(args.tags),
            opts=self._child(
                protect=args.deletion_protection,
                depends_on=[args.access_log_permission] if args.access_log_permission else None,
            ),
        )

    def _target_group(self) -> aws.lb.TargetGroup:
        return aws.lb.TargetGroup(
            self._child_name(names.TARGET_GROUP),
            # awsvpc tasks register by IP: the only target type Fargate supports.
            target_type="ip",
            port=contract.CONTAINER_PORT,
            protocol="HTTP",
            vpc_id=self._args.vpc_id,
            deregistration_delay=self._args.deregistration_delay,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                enabled=True,
                path=contract.LIVENESS_PATH,
                port="traffic-port",
                protocol="HTTP",
                matcher="200",
                interval=TARGET_HEALTH["interval"],
                timeout=TARGET_HEALTH["timeout"],
                healthy_threshold=TARGET_HEALTH["healthy"],
                unhealthy_threshold=TARGET_HEALTH["unhealthy"],
            ),
            tags=dict(self._args.tags),
            opts=self._child(),
        )

    def _listeners(self) -> list[aws.lb.Listener]:
        if not self._args.certificate_arn:
            # dev without a certificate: plain HTTP straight to the app.
            return [self._listener("http", 80, "HTTP", self._forward())]
        https = self._listener(
            "https",
            443,
            "HTTPS",
            self._forward(),
            certificate_arn=self._args.certificate_arn,
            ssl_policy=self._args.tls_policy,
            routing_http_response_strict_transport_security_header_value=HSTS_HEADER,
        )
        redirect = aws.lb.ListenerDefaultActionArgs(
            type="redirect",
            redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                protocol="HTTPS", port="443", status_code="HTTP_301"
            ),
        )
        return [https, self._listener("http", 80, "HTTP", redirect)]

    def _forward(self) -> aws.lb.ListenerDefaultActionArgs:
        return aws.lb.ListenerDefaultActionArgs(
            type="forward", target_group_arn=self.target_group.arn
        )

    def _listener(
        self,
        suffix: str,
        port: int,
        protocol: str,
        action: aws.lb.ListenerDefaultActionArgs,
        **extra: object,
    ) -> aws.lb.Listener:
        return aws.lb.Listener(
            self._child_name(suffix),
            load_balancer_arn=self.alb.arn,
            port=port,
            protocol=protocol,
            default_actions=[action],
            tags=dict(self._args.tags),
            opts=self._child(),
            **extra,
        )
