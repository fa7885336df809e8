"""Activity-log entries on a contact's timeline say what changed, in the form's words."""

from __future__ import annotations

from ghl_desktop.services.contact_timeline import change_text, days_text


def test_an_update_lists_old_and_new_values_by_label() -> None:
    changes = {
        "lifecycle_stage": {"old": "lead", "new": "customer"},
        "lead_score": {"old": 65, "new": 85},
        "assigned_user_id": {"old": None, "new": "u1"},
        "dnd_sms": {"old": False, "new": True},
        "custom_fields": {"old": {"industry": "tech", "size": "1-10"},
                          "new": {"industry": "retail", "size": "1-10"}},
        "updated_at": {"old": "x", "new": "y"},
    }  # fmt: skip
    assert change_text("updated", changes, {"u1": "John Carter"}) == (
        "Stage lead → customer; Lead score 65 → 85; Owner — → John Carter; DND SMS no → yes; "
        "industry tech → retail"
    )


def test_a_creation_says_where_the_contact_came_from_not_every_field() -> None:
    changes = {
        "id": {"old": None, "new": "c1"}, "first_name": {"old": None, "new": "John"},
        "source": {"old": None, "new": "website_form"},
        "lifecycle_stage": {"old": None, "new": "lead"},
        "assigned_user_id": {"old": None, "new": "gone"},
        "custom_fields": {"old": None, "new": {"industry": "tech"}},
    }  # fmt: skip
    assert change_text("created", changes, {}) == (
        "Source: website_form; Stage: lead; Owner: a former user"
    )


def test_days_in_a_stage_read_as_english() -> None:
    assert [days_text(n) for n in (0, 1, 2)] == ["0 days", "1 day", "2 days"]
