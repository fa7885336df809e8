"""CRM tables on SQLite and PostgreSQL: contacts, tags, notes, tasks, delete behaviour."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, select, text

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.crm import Contact, ContactTag, LifecycleStage, Note, Tag, Task
from ghl_desktop.models.tenancy import User
from tests.conftest import make_tenant
from tests.integration.model_builders import (
    add,
    contact,
    count,
    purge,
    tenant_uow,
)
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]


def test_contact_normalises_email_and_requires_e164_phone(any_runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        c = contact(uow, email="  Ada@Example.COM ", phone="+14155552671")
        assert c.email == "ada@example.com"
        assert c.lifecycle_stage is LifecycleStage.LEAD
        assert c.dnd_sms is False
        with pytest.raises(ValidationError, match=r"phone: must be in E\.164"):
            c.phone = "(415) 555-2671"
        uow.commit()
    with tenant_uow(any_runtime, t) as uow:
        stored = uow.session.scalars(select(Contact)).one()
        assert (stored.email, stored.phone) == ("ada@example.com", "+14155552671")


def test_contact_check_constraints_hold_below_the_orm(any_runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        cid = contact(uow).id
        uow.commit()
    for assignment in (
        "email = 'Upper@Example.com'",
        "phone = '4155552671'",
        "lifecycle_stage = 'prospect'",
        "lead_score = -1",
    ):
        with tenant_uow(any_runtime, t) as uow, pytest.raises(exc.IntegrityError):
            uow.session.execute(
                text(f"UPDATE contacts SET {assignment} WHERE id = :id"), {"id": cid}
            )


def test_tag_names_are_unique_per_sub_account_ignoring_case(any_runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        add(uow, Tag(name=" VIP "))
        uow.commit()
    with tenant_uow(any_runtime, t) as uow, pytest.raises(exc.IntegrityError):
        add(uow, Tag(name="vip"))
    # Another sub-account may use the same name.
    with tenant_uow(any_runtime, t, t.other_sub_account_id) as uow:
        assert add(uow, Tag(name="Vip")).name_key == "vip"
        uow.commit()
    with tenant_uow(any_runtime, t) as uow:
        assert uow.session.scalars(select(Tag.name)).all() == ["VIP"]
        with pytest.raises(ValidationError, match="name: is required"):
            Tag(name="  ")


def test_contact_purge_cascades_to_tags_notes_and_tasks(any_runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        c, keep = contact(uow), contact(uow, first_name="Grace")
        vip, lead = add(uow, Tag(name="VIP")), add(uow, Tag(name="Lead"))
        for cc in (c, keep):
            uow.session.add(ContactTag(contact_id=cc.id, tag_id=vip.id))
        uow.session.add(ContactTag(contact_id=c.id, tag_id=lead.id))
        add(uow, Note(contact_id=c.id, body="Called, left a message"))
        add(uow, Task(contact_id=c.id, title="Call back"))
        uow.commit()
        cid, keep_id, vip_id = c.id, keep.id, vip.id
    with tenant_uow(any_runtime, t) as uow:
        stored = uow.session.get(Contact, cid)
        assert stored is not None
        assert [tag.name for tag in stored.tags] == ["Lead", "VIP"]
    purge(any_runtime, t, Contact, cid)
    with tenant_uow(any_runtime, t) as uow:
        assert count(uow, Note) == count(uow, Task) == 0
        assert uow.session.scalars(select(ContactTag.contact_id)).all() == [keep_id]
    purge(any_runtime, t, Tag, vip_id)  # deleting a tag untags everyone, keeps the contacts
    with tenant_uow(any_runtime, t) as uow:
        assert count(uow, ContactTag) == 0
        assert count(uow, Contact) == 1


def test_soft_deleted_contact_hides_but_keeps_children(any_runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        c = contact(uow)
        add(uow, Note(contact_id=c.id, body="note"))
        c.deleted_at = any_runtime.clock.now()
        uow.commit()
    with tenant_uow(any_runtime, t) as uow:
        assert uow.session.scalars(select(Contact)).all() == []
        assert count(uow, Contact) == 1
        assert count(uow, Note) == 1


def test_removing_a_user_sets_their_assignments_to_null(any_runtime) -> None:
    """Users are deactivated in the product; the SET NULL rule covers a purge regardless."""
    t = make_tenant(any_runtime)
    with any_runtime.uows.system() as uow:
        user = add(uow, User(email="temp@acme-agency.com", password_hash="x"))
        uow.commit()
    with tenant_uow(any_runtime, t) as uow:
        c = contact(uow, assigned_user_id=user.id)
        add(uow, Note(contact_id=c.id, author_user_id=user.id, body="hi"))
        add(uow, Task(contact_id=c.id, assigned_user_id=user.id, title="Follow up"))
        uow.commit()
    with any_runtime.uows.system() as uow:
        uow.session.execute(text("DELETE FROM users WHERE id = :id"), {"id": user.id})
        uow.commit()
    with tenant_uow(any_runtime, t) as uow:
        assert uow.session.scalars(select(Contact.assigned_user_id)).one() is None
        assert uow.session.scalars(select(Note.author_user_id)).one() is None
        assert uow.session.scalars(select(Task.assigned_user_id)).one() is None
