"""The wording of if/else decisions and wait times shown in logs, dry runs and the CLI."""

from __future__ import annotations

from datetime import UTC, datetime

from ghl_desktop.services.workflows.explain import decisions_text, instant_text, value_text


def test_values_read_as_words_not_python() -> None:
    assert value_text(None) == "empty"
    assert value_text("") == "empty"
    assert value_text(True) == "yes"
    assert value_text(False) == "no"
    assert value_text(["VIP", "Lead"]) == "'VIP', 'Lead'"
    assert value_text(65) == "65"


def test_decisions_name_field_operator_value_and_outcome() -> None:
    decisions = [
        {"field": "context.opened_email", "operator": "is_true", "value": None,
         "actual": None, "result": False},
        {"field": "lead_score", "operator": "greater_or_equal", "value": 50, "actual": 65,
         "result": True},
    ]  # fmt: skip
    assert decisions_text("no", decisions) == (
        "branch no: context.opened_email is true (was empty) → no; "
        "lead_score greater or equal 50 (was 65) → yes"
    )
    assert decisions_text("yes", []) == "branch yes"


def test_instants_read_as_a_day_and_time() -> None:
    assert instant_text("2026-11-27T04:35:48.419168+00:00") == "Fri 27 Nov 2026 04:35 UTC"
    assert instant_text(datetime(2026, 11, 27, 4, 35, tzinfo=UTC)) == "Fri 27 Nov 2026 04:35 UTC"
    assert instant_text(None) == ""
    assert instant_text("not a time") == "not a time"
