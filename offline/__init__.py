"""Offline stand-ins for the Pulumi resource plugins this project uses (see offline/README.md)."""
