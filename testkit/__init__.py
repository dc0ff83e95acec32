"""Test kit shared by tests/ and bench/."""
