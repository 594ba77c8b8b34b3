"""Writes the schemathesis configuration of one run: the settings in fuzz/schemathesis.toml,
then dictionaries of the ids the live service holds (read with an admin token), bound to the
path, query and body parameters that name such records, so most requests reach a real
record instead of a 404. Each binding has a probability below 1: generated values still
come through. Usage: prepare.py BASE_URL ADMIN_TOKEN OUT.toml"""

import json
import sys
import urllib.request
from pathlib import Path

# The collection behind each kind of id, and the parameters (path `id` under the
# collection, query parameters and body fields) that take one.
KINDS = {
    "organizations": ["organization_id"],
    "units": [
        "unit_id",
        "owner_unit_id",
        "parent_id",
        "descendants_of",
        "reporting_unit_id",
        "decided_by_unit_id",
    ],
    "teams": ["team_id"],
    "plan-periods": ["plan_period_id", "source_plan_period_id"],
    "reporting-periods": ["reporting_period_id"],
    "visions": [],
    "perspectives": ["perspective_id"],
    "goals": ["goal_id", "predecessor_id"],
    "department-goals": ["department_goal_id"],
    "activities": [],
    "indicators": ["indicator_id"],
    "measurements": ["measurement_id"],
    "follow-ups": ["follow_up_id", "draft_follow_up_id"],
    "contacts": [],
    "webhook-subscriptions": ["subscription_id"],
}
# How often a bound parameter takes a real id rather than a generated value.
PROBABILITY = 0.8
PER_KIND = 60


def get(base, token, path):
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def ids(base, token, kind):
    path = "/api/v1/units?kind=team" if kind == "teams" else f"/api/v1/{kind}"
    separator = "&" if "?" in path else "?"
    page = get(base, token, f"{path}{separator}limit={PER_KIND}&include_archived=true")
    return [item["id"] for item in page["items"]]


def main(base, token, out):
    lines = [Path(__file__).with_name("schemathesis.toml").read_text(), ""]
    lines.append("# Generated for this run by fuzz/prepare.py from the live service.")
    codes = [o["municipality_code"] for o in get(base, token, "/api/v1/organizations")["items"] if o.get("municipality_code")]
    lines += [f"[dictionaries.municipality_codes]", f"values = {json.dumps(codes or ['0683'])}", ""]
    lines += [
        "[[operations]]",
        'include-path-regex = "^/api/v1/public/"',
        f'parameters = {{ "path.municipality_code" = {{ dictionary = "municipality_codes", probability = {PROBABILITY} }} }}',
        "",
    ]
    bindings = {}
    for kind, names in KINDS.items():
        found = ids(base, token, kind)
        if not found:
            continue
        name = kind.replace("-", "_")
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(found)}", ""]
        for parameter in names:
            bindings[f"query.{parameter}"] = name
            bindings[f"body.{parameter}"] = name
        if kind != "teams":
            lines += [
                "[[operations]]",
                f'include-path-regex = "^/api/v1/{kind}/\\\\{{id\\\\}}"',
                f'parameters = {{ "path.id" = {{ dictionary = "{name}", probability = {PROBABILITY} }} }}',
                "",
            ]
    lines.append("[parameters]")
    for key, name in bindings.items():
        lines.append(f'"{key}" = {{ dictionary = "{name}", probability = {PROBABILITY} }}')
    Path(out).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
