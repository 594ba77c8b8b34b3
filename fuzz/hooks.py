"""The checks fuzz/run.sh adds to schemathesis' own (loaded through SCHEMATHESIS_HOOKS).

`rejection_is_explained`: schemathesis' `positive_data_acceptance` is configured to let a
schema-valid request be answered 400, 412 or 422 (fuzz/schemathesis.toml), because some rules
cannot be written in a JSON Schema. This check takes that allowance back except where the
service's problem+json names one of those rules, so a refusal that the schema could have
said (a length, a range, a format, an enum) still fails the run and is fixed in the spec.
"""

import ast
import json
import re
import threading

import schemathesis
from hypothesis.internal import lambda_sources

# Rules that no schema states, as the service words them in a problem's field errors.
RULES = [
    # A referenced record that does not exist (or is not the caller's organization's), is
    # archived, or is of another kind than the field needs.
    r"^no [a-z -]+ with id \S+ in this organization$",
    r"^no [a-z -]+ has this external_id \(or id\) in the organization or earlier in the file$",
    r"^the [a-z -]+ \S+ is archived$",
    r"^.+ is an? [a-z ]+, not an? [a-z ]+$",
    r"^must be a unit of kind [a-z]+( or [a-z]+)*, but .+ is an? [a-z]+$",
    r"^a unit cannot be its own parent$",
    r"^the [a-z -]+ .+ is of another [a-z ]+$",
    r"^must lie within the plan period .+$",
    # Rules across fields of one request.
    r"^give exactly one of `?[a-z_]+`? and `?[a-z_]+`?$",
    r"^must not be before [a-z_]+$",
    r"^only an activity with status `done` has a done date$",
    r"^a [a-z -]+ (serves an administration|answers for a perspective): give its [a-z_]+$",
    r"^an adopted [a-z ]+ needs the decision that adopted it$",
    r"^a Kolada indicator names its KPI, e\.g\. N03101$",
    r"^a target_range indicator's target gives `min` and/or `max` \(not `value`\)$",
    r"^is required; with no value for the period, send `missing: true` instead$",
    r"^a row names either `municipality` or `ou`, not both or neither$",
    r"^gender [TKM] appears more than once in the row$",
    r"^must not come before `[a-z_]+`$",
    r"^the patch changes (none of the [a-z ]+'s .+|nothing in the [a-z ]+'s content), so there is nothing to revise$",
    r"^must not be below `[a-z_]+`$",
    # Rules across query parameters.
    r"^is only read with expand=status$",
    r"^is required with expand=status: .+$",
    r"^applies to the JSON plan only; the CSV has fixed columns$",
    # Rules on the record's state: its life cycle, its period, what was decided.
    r"^an adopted [a-z ]+ cannot become [a-z]+: .+$",
    r"^must be after the end of the plan period rolled over \(.+\)$",
    r"^the indicator's targets were decided for its goal, so it stays with it: .+$",
    r"^(changing|adding, changing or taking out) (the [a-z ]+ of )?an adopted [a-z' ]+ needs the decision behind it: .+$",
    r"^the indicator's targets are not in force by a decision \(it is a draft\): archive it$",
    r"^a department goal is decided by the board that owns it, or by a council$",
    r"^an activity cannot be done on a day still to come$",
    r"^a follow-up is (withdrawn|returned) with the reason why$",
    r"^a decision gives its reference, date and deciding council$",
    r"^an adopted [a-z ]+'s decision changes only with a `revision` of its content$",
    r"^overlaps the plan period .+ \([0-9-]+ – [0-9-]+\)$",
    r"^a missing measurement has no value$",
    r"^is required: a measurement that is not missing has a value$",
    r"^must come after the baseline period .+$",
    r"^a forecast is of the whole year: its period is a year \(2011\), not .+$",
    r"^an average is over a span: give the last period$",
    r"^needs the indicator's `baseline_value`$",
    r"^a follow-up is submitted with its analysis$",
    # A change of an adopted record names the decision behind it (the revision's fields
    # are optional in the schema, as a draft's change needs none).
    r"^revision\.(decision_reference|decided_on|decided_by_unit_id): is required$",
    # State: a stale If-Match, a key already used, a cursor the API never gave.
    r"^the record has changed \(its ETag is now \".*\"\); read it again and retry$",
    r"^this key was used for another request \(another path or body\); use a new key$",
    r"^is not a cursor this (API|feed) returned$",
    # The stateful phase follows a link from a field that was null (a goal without a
    # predecessor) and sends `None` as the id; the service rightly answers 400.
    r"^id: `None` is not a UUID$",
]
# Rules of one operation only.
OPERATION_RULES = {
    # An import row carries the fields of its `type`'s create request; the one schema of
    # all rows (`Row`) lists only what every type shares. A CSV file's header line is CSV
    # grammar, which a schema of text does not state.
    "POST /api/v1/import": [
        r"^unknown field `.*`, expected one of `.+`$",
        r"^missing field `[a-z_]+`$",
        r"^the CSV file has no header row$",
        r"^is not a column of any row type$",
    ],
}
# Generated names and values may hold line breaks.
EXPLAINED = [re.compile(rule, re.DOTALL) for rule in RULES]
EXPLAINED_FOR = {label: [re.compile(rule, re.DOTALL) for rule in rules] for label, rules in OPERATION_RULES.items()}

# CPython 3.11 before 3.11.8 can fail `ast.parse` when two threads run it at once
# ("AST constructor recursion depth mismatch"); hypothesis parses sources to describe
# lambdas and filters while schemathesis' workers generate, so every parse takes its turn
# (re-entrant: describing a lambda parses within its turn).
_PARSE = threading.RLock()
_describe = lambda_sources._lambda_description
_ast_parse = ast.parse


def _parsed_in_turn(*args, **kwargs):
    with _PARSE:
        return _ast_parse(*args, **kwargs)


ast.parse = _parsed_in_turn


def _described_in_turn(*args, **kwargs):
    with _PARSE:
        return _describe(*args, **kwargs)


lambda_sources._lambda_description = _described_in_turn
ALLOWED = {400, 412, 422}


def _explained(error, patterns):
    """Whether a field error, as "field: message" or by its message alone, names a rule."""
    field, message = error
    return any(p.match(message) or p.match(f"{field}: {message}") for p in patterns)


def _messages(response):
    try:
        problem = json.loads(response.content)
    except ValueError:
        return None
    if not isinstance(problem, dict):
        return None
    errors = problem.get("errors")
    if isinstance(errors, list) and errors:
        return [(e.get("field"), e.get("message", "")) if isinstance(e, dict) else (None, "") for e in errors]
    return [(None, problem.get("detail") or "")]


@schemathesis.check
def rejection_is_explained(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code not in ALLOWED:
        return None
    # Coverage probes of the request's shape (a missing body, an unexpected method) are
    # judged by schemathesis' own checks.
    from schemathesis.specs.openapi.checks import is_unexpected_http_status_case

    if is_unexpected_http_status_case(case):
        return None
    messages = _messages(response)
    explained = EXPLAINED + EXPLAINED_FOR.get(case.operation.label, [])
    unexplained = [e for e in messages or [(None, "(no problem+json body)")] if not _explained(e, explained)]
    if unexplained:
        raise AssertionError(
            f"Schema-valid request refused with {response.status_code} for a rule the schema does not state: "
            + "; ".join(f"{field}: {message}" for field, message in unexplained)
        )
    return None
