"""The Pulumi program for one FastAPI service on ECS Fargate, one module per concern.

settings (validated stack config) -> network (VPC) -> registry (ECR, image) ->
load_balancer (ALB component) -> service (Fargate component, `autoscale()` adds the scaler).
Shared helpers: arns (ARN patterns), names, trust, component.
"""
