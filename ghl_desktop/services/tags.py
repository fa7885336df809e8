"""Tags: create, rename, recolour, delete; add to and remove from one contact or many.

Tag names are unique per sub-account ignoring case. Wherever a caller names tags it may give
names or ids; ``resolve_tags`` turns them into rows (creating new names when asked). Adding a
tag a contact already has, or removing one it does not have, changes nothing and records no
event; every real change records ``TagAdded`` / ``TagRemoved``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select

from ghl_desktop.core.errors import Conflict, NotFound, ValidationError
from ghl_desktop.core.events import DomainEvent
from ghl_desktop.models.crm import Contact, ContactTag, Tag
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.crm_common import chunked
from ghl_desktop.services.crm_events import TagAdded, TagRemoved
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory

COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
MAX_NAME = 100
CHUNK = 500


@dataclass(frozen=True, kw_only=True)
class TagDeleted(DomainEvent):
    name = "tag.deleted"
    tag_id: str
    tag_name: str
    contact_count: int


@dataclass(frozen=True)
class TagInfo:
    id: str
    name: str
    colour: str | None

    @classmethod
    def of(cls, tag: Tag) -> TagInfo:
        return cls(tag.id, tag.name, tag.colour)


@dataclass(frozen=True)
class TagSummary:
    id: str
    name: str
    colour: str | None
    contact_count: int


def _name(value: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise ValidationError("name", "is required")
    if len(text) > MAX_NAME:
        raise ValidationError("name", f"must be at most {MAX_NAME} characters")
    return text


def _colour(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not COLOUR.match(value):
        raise ValidationError("colour", f"must be #RRGGBB, got {value!r}")
    return value.upper()


def split_tag_names(text: str) -> list[str]:
    """``"VIP, Lead"`` -> ``["VIP", "Lead"]`` (commas or semicolons; blanks dropped)."""
    return [" ".join(p.split()) for p in re.split(r"[,;]", text or "") if p.strip()]


# -- inside a unit of work ------------------------------------------------------------------
def resolve_tags(
    uow: UnitOfWork, names_or_ids: Iterable[str], *, create_missing: bool = False
) -> list[Tag]:
    """Tags by id or name (case-insensitive), in the order given, without repeats."""
    wanted = [w.strip() for w in names_or_ids if w and w.strip()]
    if not wanted:
        return []
    keys = {_name(w).lower() for w in wanted}
    rows = uow.session.scalars(select(Tag).where(Tag.id.in_(wanted) | Tag.name_key.in_(keys))).all()
    by_id = {t.id: t for t in rows}
    by_key = {t.name_key: t for t in rows}
    found: dict[str, Tag] = {}
    for w in wanted:
        tag = by_id.get(w) or by_key.get(_name(w).lower())
        if tag is None:
            if not create_missing:
                raise NotFound("tag", w)
            tag = Tag(name=_name(w))
            uow.session.add(tag)
            uow.flush()
            by_key[tag.name_key] = tag
        found.setdefault(tag.id, tag)
    return list(found.values())


def _live_contact_ids(uow: UnitOfWork, contact_ids: Sequence[str]) -> list[str]:
    """The ids, checked: each must be a live contact of this sub-account."""
    unique = list(dict.fromkeys(contact_ids))
    known: set[str] = set()
    for batch in chunked(unique, CHUNK):
        known.update(uow.session.scalars(select(Contact.id).where(Contact.id.in_(batch))))
    for cid in unique:
        if cid not in known:
            raise NotFound("contact", cid)
    return unique


def link_tags(
    uow: UnitOfWork, contact_ids: Sequence[str], tags: Sequence[Tag], *, record: bool = True
) -> int:
    """Add ``tags`` to contacts (ids already checked); returns how many links were new.
    ``record=False`` for contacts being created (their ``contact.created`` names the tags)."""
    added = 0
    for batch in chunked(contact_ids, CHUNK):
        for tag in tags:
            have = set(
                uow.session.scalars(
                    select(ContactTag.contact_id).where(
                        ContactTag.tag_id == tag.id, ContactTag.contact_id.in_(batch)
                    )
                )
            )
            new = [cid for cid in batch if cid not in have]
            if not new:
                continue
            uow.session.execute(
                insert(ContactTag), [{"contact_id": cid, "tag_id": tag.id} for cid in new]
            )
            if record:
                uow.record(
                    *(
                        TagAdded(sub_account_id=uow.sub_account_id, contact_id=cid,
                                 tag_id=tag.id, tag_name=tag.name)
                        for cid in new
                    )
                )  # fmt: skip
            added += len(new)
    return added


def unlink_tags(uow: UnitOfWork, contact_ids: Sequence[str], tags: Sequence[Tag]) -> int:
    """Remove ``tags`` from contacts; returns how many links existed."""
    removed = 0
    for batch in chunked(contact_ids, CHUNK):
        for tag in tags:
            had = list(
                uow.session.scalars(
                    select(ContactTag.contact_id).where(
                        ContactTag.tag_id == tag.id, ContactTag.contact_id.in_(batch)
                    )
                )
            )
            if not had:
                continue
            uow.session.execute(
                delete(ContactTag).where(
                    ContactTag.tag_id == tag.id, ContactTag.contact_id.in_(had)
                )
            )
            uow.record(
                *(
                    TagRemoved(sub_account_id=uow.sub_account_id, contact_id=cid,
                               tag_id=tag.id, tag_name=tag.name)
                    for cid in had
                )
            )  # fmt: skip
            removed += len(had)
    return removed


# -- commands -------------------------------------------------------------------------------
def list_tags(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str) -> list[TagSummary]:
    """Every tag of the sub-account by name, with how many live contacts carry it."""
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("contacts.read")
        counts = dict(
            uow.session.execute(
                select(ContactTag.tag_id, func.count())
                .join(Contact, Contact.id == ContactTag.contact_id)
                .group_by(ContactTag.tag_id)
            ).all()
        )
        tags = uow.session.scalars(select(Tag).order_by(Tag.name_key))
        return [TagSummary(t.id, t.name, t.colour, counts.get(t.id, 0)) for t in tags]


def _tag(uow: UnitOfWork, tag_id: str) -> Tag:
    tag = uow.session.scalar(select(Tag).where(Tag.id == tag_id))
    if tag is None:
        raise NotFound("tag", tag_id)
    return tag


def _refuse_taken(uow: UnitOfWork, name: str, exclude_id: str | None = None) -> None:
    stmt = select(Tag.id).where(Tag.name_key == name.lower())
    if exclude_id:
        stmt = stmt.where(Tag.id != exclude_id)
    if uow.session.scalar(stmt):
        raise Conflict("name", f"a tag named {name!r} already exists")


def create_tag(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, name: str,
    colour: str | None = None,
) -> TagInfo:  # fmt: skip
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("contacts.write")
        title = _name(name)
        _refuse_taken(uow, title)
        tag = Tag(name=title, colour=_colour(colour))
        uow.session.add(tag)
        uow.flush()
        uow.commit()
        return TagInfo.of(tag)


def update_tag(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, tag_id: str, *,
    name: str | None = None, colour: str | None = None,
) -> TagInfo:  # fmt: skip
    """Rename and/or recolour; None keeps a value, ``colour=""`` clears the colour. The search
    index follows a rename."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("contacts.write")
        tag = _tag(uow, tag_id)
        if name is not None:
            title = _name(name)
            _refuse_taken(uow, title, exclude_id=tag.id)
            tag.name = title
        if colour is not None:
            tag.colour = _colour(colour)
        uow.flush()
        uow.commit()
        return TagInfo.of(tag)


def delete_tag(uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, tag_id: str) -> int:
    """Delete a tag and take it off every contact; returns how many contacts had it."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("contacts.write")
        tag = _tag(uow, tag_id)
        count = uow.session.scalar(
            select(func.count()).select_from(ContactTag).where(ContactTag.tag_id == tag.id)
        )
        uow.session.execute(delete(ContactTag).where(ContactTag.tag_id == tag.id))
        uow.session.delete(tag)
        uow.record(
            TagDeleted(sub_account_id=sub_account_id, tag_id=tag.id, tag_name=tag.name,
                       contact_count=count or 0)
        )  # fmt: skip
        uow.commit()
        return count or 0


def add_tags(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, contact_ids: Sequence[str],
    tags: Sequence[str], *, create_missing: bool = True,
) -> int:  # fmt: skip
    """Add tags (names or ids) to contacts; returns how many (contact, tag) links were new."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("contacts.write")
        if not tags:
            raise ValidationError("tags", "name at least one tag")
        ids = _live_contact_ids(uow, contact_ids)
        added = link_tags(uow, ids, resolve_tags(uow, tags, create_missing=create_missing))
        uow.commit()
        return added


def remove_tags(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, contact_ids: Sequence[str],
    tags: Sequence[str],
) -> int:  # fmt: skip
    """Remove tags (names or ids) from contacts; returns how many links were removed."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("contacts.write")
        if not tags:
            raise ValidationError("tags", "name at least one tag")
        ids = _live_contact_ids(uow, contact_ids)
        removed = unlink_tags(uow, ids, resolve_tags(uow, tags))
        uow.commit()
        return removed
