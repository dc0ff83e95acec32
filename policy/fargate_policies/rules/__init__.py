"""One module per policy, named after it (`alb-web-acl` in alb_web_acl.py). A rule module imports
the framework and readers, never another rule."""
