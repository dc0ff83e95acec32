"""The slow route's path and bounds, shared by the task's app and the rehearsal's client."""

SLOW_PATH = "/rehearsal/slow"
SLOW_SECONDS_PARAM = "seconds"
MAX_SLOW_SECONDS = 30.0
