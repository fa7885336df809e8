"""The insert parameters the import's worker builds equal what SQLAlchemy would bind."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from ghl_desktop.core.ids import new_ids
from ghl_desktop.models.crm import LifecycleStage
from ghl_desktop.models.custom_fields import CustomFieldType
from ghl_desktop.services.contact_import.params import (
    COLUMNS,
    INSERT_COLUMNS,
    contact_params,
    created_payload,
    created_payload_tail,
    custom_defaults,
    sqlite_time,
)
from ghl_desktop.services.contact_import.rows import FieldDef, GoodRow, RowPlan, check_rows


@pytest.mark.parametrize(
    ("source", "tags"),
    [
        ("import", ()),
        ("import", ("VIP", "Lead")),
        ('say "hi"\\', ("Café", "emoji 🎉", "tab\there")),
        ("", ("a,b",)),
    ],
)
def test_created_payload_equals_json_dumps_of_the_event_payload(
    source: str, tags: tuple[str, ...]
) -> None:
    for contact_id in new_ids(3):
        expected = json.dumps({"contact_id": contact_id, "source": source, "tags": list(tags)})
        assert created_payload(contact_id, created_payload_tail(source, tags)) == expected


def test_sqlite_time_is_naive_utc_text_with_microseconds() -> None:
    zone = timezone(timedelta(hours=-5))
    assert sqlite_time(datetime(2025, 3, 1, 19, 0, tzinfo=zone)) == "2025-03-02 00:00:00.000000"
    assert sqlite_time(datetime(2025, 3, 1, 1, 2, 3, 4, tzinfo=UTC)) == "2025-03-01 01:02:03.000004"


def test_contact_params_fill_defaults_and_convert_like_sqlalchemy() -> None:
    values = {
        "first_name": "Ada", "email": "ada@example.com",
        "lifecycle_stage": LifecycleStage.CUSTOMER, "dnd_sms": True,
        "date_of_birth": date(1990, 5, 17), "custom_fields": {"industry": "Retail"},
    }  # fmt: skip
    built = contact_params(values, [("tier", "gold"), ("industry", "Other")])
    params = dict(zip(COLUMNS, built, strict=True))
    assert params["first_name"] == "Ada"
    assert params["last_name"] == ""
    assert params["phone"] is None
    assert params["source"] == "import"
    assert params["lifecycle_stage"] == "customer"
    assert params["lead_score"] == 0
    assert (params["dnd_sms"], params["dnd_email"]) == (1, 0)
    assert params["date_of_birth"] == "1990-05-17"
    # the row's value wins over a default; a missing field gets its default
    assert json.loads(params["custom_fields"]) == {"industry": "Retail", "tier": "gold"}
    assert set(INSERT_COLUMNS) == {*COLUMNS, "id", "sub_account_id", "created_at",
                                   "updated_at", "deleted_at", "archived_at"}  # fmt: skip


def test_check_rows_builds_the_params_of_good_rows_only() -> None:
    tier = FieldDef("tier", CustomFieldType.TEXT, [], False, "gold", "Tier")
    plan = RowPlan(
        ("Email", "Created Date", "Tier"),
        ((0, "email"), (1, "created_at"), (2, "custom_fields.tier")),
        "US", "America/New_York", (tier,),
    )  # fmt: skip
    good, bad = check_rows(plan, [(2, ["A@Example.com", "01/02/2025", ""]), (3, ["nope", "", ""])])
    assert isinstance(good, GoodRow)
    assert good.params == contact_params(good.values, custom_defaults(plan.definitions))
    stored = dict(zip(COLUMNS, good.params, strict=True))
    assert json.loads(stored["custom_fields"]) == {"tier": "gold"}
    assert good.created_text == "2025-01-02 05:00:00.000000"  # midnight in New York, as UTC
    assert not isinstance(bad, GoodRow)
