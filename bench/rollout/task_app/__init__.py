"""Mounted read-only into each rehearsal task at /app/rehearsal (package `rehearsal`): the
service's own app plus one slow route, so requests are in flight when a task is drained or
stopped. Nothing here ships in the image."""
