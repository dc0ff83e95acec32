"""A rolling deploy of the service, rehearsed on this machine as ECS and an ALB would run it
(issue 15; `scripts/rollout-rehearsal.sh`, bench/README.md "Rollout rehearsal").

- stack: the target group, load balancer, ECS service and container of a stack, read from the
  program's own resources;
- tasks: each task a buildah container of the built image in its own network namespace;
- balancer: HAProxy configured as the stack's target group and ALB, driven through its runtime
  API the way ECS drives the target group;
- load: keep-alive clients on 127.0.0.1 that record every request (slow ones: the route of
  testkit/slow_app.py, mounted into each task);
- rehearsal: the replacements, the negative control and the results; report: chart and table.
"""
