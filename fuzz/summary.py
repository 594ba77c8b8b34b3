"""Summarise a schemathesis NDJSON event report: requests sent, and each failure grouped by
operation, check and answer (with the problem's detail and field errors), so a run's findings
read in a few lines. Usage: summary.py REPORT.ndjson...

Ends with `total: REQUESTS requests, FAILURES failures`; exits 1 when there is any failure."""

import base64
import collections
import json
import sys
from pathlib import Path


def body_of(response):
    content = (response or {}).get("content") or {}
    raw = content.get("$base64")
    text = base64.b64decode(raw).decode("utf-8", "replace") if raw else content.get("string", "")
    try:
        problem = json.loads(text)
    except ValueError:
        return text[:200]
    if isinstance(problem, dict) and "detail" in problem:
        errors = "; ".join(
            f"{e.get('field')}: {e.get('message')}" for e in problem.get("errors") or [] if isinstance(e, dict)
        )
        return f"{problem.get('detail')}" + (f" [{errors}]" if errors else "")
    return text[:200]


def main(path, label):
    requests = 0
    statuses = collections.Counter()
    failures = collections.OrderedDict()
    errors = []
    with open(path) as events:
        for line in events:
            event = json.loads(line)
            (kind, data), = event.items()
            if kind == "NonFatalError":
                value = data.get("value") or {}
                errors.append(f"{data.get('label')}: {value.get('type')}: {str(value.get('message'))[:300]}")
            if kind != "ScenarioFinished":
                continue
            recorder = data["recorder"]
            interactions = recorder.get("interactions", {})
            # A request counts when it was answered (not one the connection refused).
            for interaction in interactions.values():
                if interaction.get("response"):
                    requests += 1
                    statuses[interaction["response"]["status_code"]] += 1
            for case_id, checks in recorder.get("checks", {}).items():
                for check in checks:
                    if check["status"] != "failure":
                        continue
                    interaction = interactions.get(case_id, {})
                    request = interaction.get("request", {})
                    response = interaction.get("response") or {}
                    failure = check.get("failure_info", {}).get("failure", {})
                    key = (
                        failure.get("operation") or recorder.get("label"),
                        check["name"],
                        response.get("status_code"),
                        body_of(response)[:300],
                    )
                    if key not in failures:
                        failures[key] = (request.get("method"), request.get("uri"), failure.get("title"))
    print(f"{label}: {requests} requests, {len(failures)} distinct failures, {len(errors)} errors")
    print(f"  statuses: {dict(sorted(statuses.items()))}")
    for (operation, check, status, detail), (method, uri, title) in failures.items():
        print(f"  FAIL {operation} | {check} ({title}) | {status} {detail}\n       {method} {uri}")
    for error, count in collections.Counter(errors).most_common(10):
        print(f"  ERROR ({count}x) {error}")
    return requests, len(failures) + len(errors)


if __name__ == "__main__":
    sent = failed = 0
    for report in sys.argv[1:]:
        requests, failures = main(report, Path(report).stem)
        sent += requests
        failed += failures
    print(f"total: {sent} requests, {failed} failures")
    sys.exit(1 if failed else 0)
