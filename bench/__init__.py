"""Side-by-side benchmarks: the service against the gunicorn image it replaces and the raw-ASGI
bound, the policy pack on large synthetic stacks, and the offline preview.

Run `scripts/bench.sh` (or `.venv/bin/python -m bench --help`); results go to bench/results/.
"""
