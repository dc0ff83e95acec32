"""One source of truth for facts the Pulumi program and the policy pack both need.

The program validates stack config against these facts before registering anything;
the policy pack checks resources against the same facts. Neither keeps its own copy.
"""
