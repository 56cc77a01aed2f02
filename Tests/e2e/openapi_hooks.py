"""Schemathesis hooks for test_openapi.py's fuzz run (loaded through SCHEMATHESIS_HOOKS).

They keep the fixed budget meaningful without changing what is checked:

- Long-polls answer at once: a generated `wait` that is a valid integer becomes 0 (and the
  `events` default of 25 s is overridden with 0), so one example costs milliseconds, not 30 s.
  Invalid values (`wait=abc`) are sent unchanged, so their 400 is still checked.
- The run keeps its own credentials: a `config` body that would install a new, valid
  `api_key`/`admin_key` (a string of at least 16 characters) loses that member, so later requests
  are not all 401. Invalid key values (too short, not strings) are sent unchanged.
"""
import schemathesis

LONG_POLLS = ("/api/v1/inbox", "/api/v1/events", "/api/v1/")
CONFIG_WRITES = ("/api/v1/config", "/admin/api/config", "/api/v1/")


def _is_integer(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    try:
        int(str(value).strip())
        return True
    except ValueError:
        return False


@schemathesis.hook
def before_call(context, case, kwargs):
    path = case.operation.path
    if case.method.upper() == "GET" and path in LONG_POLLS:
        query = dict(case.query or {})
        if "wait" not in query or _is_integer(query["wait"]):
            query["wait"] = 0
            case.query = query
    if case.method.upper() == "POST" and path in CONFIG_WRITES and isinstance(case.body, dict):
        for key in ("api_key", "admin_key"):
            value = case.body.get(key)
            if isinstance(value, str) and len(value) >= 16:
                case.body = {k: v for k, v in case.body.items() if k != key}
