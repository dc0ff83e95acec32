"""AWS Lambda entry point (API Gateway events), for the same image with another CMD:
`["python", "-m", "awslambdaric", "app.lambda_handler.handler"]` (see the Dockerfile)."""

from __future__ import annotations

from mangum import Mangum

from app.main import app

# lifespan="auto" runs the app's startup, so readiness answers 200 on Lambda too.
handler = Mangum(app, lifespan="auto")
