"""Custom values are validated on every flush of a contact or an opportunity."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, select

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.crm import Contact, ContactCustomField
from ghl_desktop.models.custom_fields import CustomFieldType
from ghl_desktop.models.pipelines import Opportunity, OpportunityCustomField
from tests.conftest import make_tenant
from tests.integration.model_builders import add, contact, opportunity, pipeline, tenant_uow
from tests.speed import fast_password_hashing

SIZES = ["1-10", "11-50", "51-200", "200+"]

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]


def _define_contact_fields(uow) -> None:
    add(
        uow,
        ContactCustomField(
            key="company_size", label="Company size", field_type=CustomFieldType.SELECT,
            options=SIZES,
        ),
    )  # fmt: skip
    add(uow, ContactCustomField(key="mobile", label="Mobile", field_type=CustomFieldType.PHONE))
    add(
        uow,
        ContactCustomField(
            key="newsletter", label="Newsletter", field_type=CustomFieldType.CHECKBOX,
            default_value=True,
        ),
    )  # fmt: skip


def test_contact_values_are_checked_and_normalised_on_flush(any_runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        _define_contact_fields(uow)
        c = contact(uow, custom_fields={"company_size": "11-50", "mobile": "(415) 555-2671"})
        uow.commit()
    with tenant_uow(any_runtime, t) as uow:
        stored = uow.session.get(Contact, c.id)
        assert stored is not None
        assert stored.custom_fields == {
            "company_size": "11-50",
            "mobile": "+14155552671",  # parsed with the sub-account's country (US)
            "newsletter": True,  # the default
        }
        stored.custom_fields = {**stored.custom_fields, "company_size": "huge"}
        with pytest.raises(ValidationError) as caught:
            uow.flush()
        assert str(caught.value) == (
            "custom_fields.company_size: 'huge' is not one of 1-10, 11-50, 51-200, 200+"
        )
        # The session is still usable: fix the value and the write goes through.
        stored.custom_fields = {**stored.custom_fields, "company_size": "200+"}
        uow.commit()
    with tenant_uow(any_runtime, t) as uow:
        assert uow.session.scalars(select(Contact.custom_fields)).one()["company_size"] == "200+"


def test_definitions_are_per_sub_account(any_runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        _define_contact_fields(uow)
        uow.commit()
    with tenant_uow(any_runtime, t, t.other_sub_account_id) as uow:
        with pytest.raises(ValidationError, match=r"custom_fields\.company_size: is not a defined"):
            contact(uow, custom_fields={"company_size": "11-50"})
        uow.rollback()
        # The same key may mean something else here.
        add(
            uow,
            ContactCustomField(key="company_size", label="Size", field_type=CustomFieldType.NUMBER),
        )
        assert contact(uow, custom_fields={"company_size": "12"}).custom_fields == {
            "company_size": 12
        }
        uow.commit()


def test_required_fields_and_keys_unique_per_sub_account(any_runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        add(
            uow,
            OpportunityCustomField(
                key="deal_type", label="Deal type", field_type=CustomFieldType.SELECT,
                options=["New Business", "Upsell", "Renewal"], is_required=True,
            ),
        )  # fmt: skip
        p, c = pipeline(uow), contact(uow)
        with pytest.raises(ValidationError, match=r"^custom_fields\.deal_type: is required$"):
            opportunity(uow, c, p)
        uow.rollback()
    with tenant_uow(any_runtime, t) as uow:
        p, c = pipeline(uow), contact(uow)
        add(
            uow,
            OpportunityCustomField(
                key="deal_type", label="Deal type", field_type=CustomFieldType.SELECT,
                options=["New Business", "Upsell"], is_required=True,
            ),
        )  # fmt: skip
        opp = opportunity(uow, c, p, custom_fields={"deal_type": "Upsell"})
        uow.commit()
    with tenant_uow(any_runtime, t) as uow:
        stored = uow.session.get(Opportunity, opp.id)
        assert stored is not None
        stored.custom_fields = {}
        with pytest.raises(ValidationError, match="deal_type: is required"):
            uow.flush()
    with tenant_uow(any_runtime, t) as uow, pytest.raises(exc.IntegrityError):
        add(
            uow,
            OpportunityCustomField(key="deal_type", label="Again", field_type=CustomFieldType.TEXT),
        )


def test_bad_definitions_are_refused_on_flush(any_runtime) -> None:
    t = make_tenant(any_runtime)
    with tenant_uow(any_runtime, t) as uow:
        with pytest.raises(ValidationError, match="key: must be snake_case"):
            add(
                uow,
                ContactCustomField(
                    key="Company Size", label="Company size", field_type=CustomFieldType.TEXT
                ),
            )
        uow.rollback()
        with pytest.raises(ValidationError, match="options: a select field needs text options"):
            add(
                uow,
                ContactCustomField(
                    key="company_size", label="Company size", field_type=CustomFieldType.SELECT
                ),
            )
