"""
Schemathesis hooks for the API fuzz suite (e2e/fuzz/api-fuzz.ts loads them via SCHEMATHESIS_HOOKS).

Counts every call per operation and status, and checks the one property Schemathesis cannot see:
a refused request (4xx) must leave the database exactly as it was. The digest comes from the
TypeScript driver over HTTP (FUZZ_DIGEST_URL), which hashes every table.
"""
import atexit
import json
import os
import urllib.request

import schemathesis

DIGEST_URL = os.environ["FUZZ_DIGEST_URL"]
STATS_FILE = os.environ["FUZZ_STATS_FILE"]

stats = {"calls": 0, "operations": {}, "statuses": {}, "serverErrors": [], "refusedButChanged": []}
# Digest taken before each call, keyed by the case's identity (calls run one at a time: workers = 1).
before = {}


def digest():
    with urllib.request.urlopen(DIGEST_URL, timeout=30) as res:
        return res.read().decode()


def save():
    with open(STATS_FILE, "w") as out:
        json.dump(stats, out)


atexit.register(save)


@schemathesis.hook
def before_call(context, case, kwargs):
    before[id(case)] = digest()


@schemathesis.hook
def after_call(context, case, response):
    name = f"{case.method.upper()} {case.operation.path}"
    status = response.status_code
    stats["calls"] += 1
    stats["operations"][name] = stats["operations"].get(name, 0) + 1
    stats["statuses"][str(status)] = stats["statuses"].get(str(status), 0) + 1
    request = f"{name} -> {status} (path {case.path_parameters}, query {case.query}, body {str(case.body)[:200]!r})"
    if status >= 500:
        stats["serverErrors"].append(request)
    was = before.pop(id(case), None)
    if 400 <= status < 500 and was is not None and digest() != was:
        stats["refusedButChanged"].append(request)
    if stats["calls"] % 100 == 0:
        save()
