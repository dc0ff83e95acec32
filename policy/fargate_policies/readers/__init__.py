"""What rules read: container definitions, services, the stack graph, values, resource types,
command lines and shell scripts, probes, balancers, exemption tags and awsx defaults. A reader
never imports a rule or the framework (only other readers and findings.py)."""
