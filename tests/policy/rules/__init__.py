"""One test module per policy: test_<policy name with underscores>.py, with its named PASSING
and FAILING cases."""
