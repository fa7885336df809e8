"""Which sub-account a funnel, page, form or survey belongs to, from its id alone.

For entry points that are given only an id (``ghl-desktop pages publish PAGE_ID``). The answer
is only where to open the tenant unit of work: the actor's access is checked there, and an id
the actor may not see answers exactly like one that does not exist.
"""

from __future__ import annotations

from sqlalchemy import select

from ghl_desktop.core.errors import NotFound
from ghl_desktop.models.sites import Form, Funnel, Page, Survey
from ghl_desktop.services.uow import UnitOfWorkFactory

_MODELS: dict[str, type[Funnel] | type[Page] | type[Form] | type[Survey]] = {
    "funnel": Funnel,
    "page": Page,
    "form": Form,
    "survey": Survey,
}


def sub_account_of(uows: UnitOfWorkFactory, kind: str, entity_id: str) -> str:
    model = _MODELS[kind]
    with uows.system(read_only=True) as uow:
        found = uow.session.scalar(select(model.sub_account_id).where(model.id == entity_id))
    if found is None:
        raise NotFound(kind, entity_id)
    return found
