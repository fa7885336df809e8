"""A brute-force Python reading of the smart-list filter semantics (the docstring of
``services.smart_lists.filters``), written independently of the SQL compiler, plus a generated
population of contacts to compare the two on."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ghl_desktop.models.crm import Contact, ContactCustomField, ContactTag, LifecycleStage, Tag
from ghl_desktop.models.custom_fields import CustomFieldType

ZONE = "America/New_York"
ALPHABET = "abcAB_%x "
TAG_NAMES = ["VIP", "Lead", "Newsletter", "Churn"]
INDUSTRIES = ["tech", "retail", "Food"]
INTERESTS = ["golf", "wine", "art"]
CUSTOM = {
    "industry": CustomFieldType.SELECT,
    "note": CustomFieldType.TEXT,
    "revenue": CustomFieldType.NUMBER,
    "signup": CustomFieldType.DATE,
    "vip_flag": CustomFieldType.CHECKBOX,
    "interests": CustomFieldType.MULTISELECT,
}


def fold(text: str) -> str:
    return "".join(c.lower() if "A" <= c <= "Z" else c for c in text)


@dataclass
class Person:
    id: str
    values: dict[str, Any]
    custom: dict[str, Any]
    tags: set[str] = field(default_factory=set)


def _word(rng: random.Random, lo: int = 1, hi: int = 6) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(lo, hi))).strip()


def population(rng: random.Random, now: datetime, users: list[str], n: int = 70) -> list[Person]:
    people = []
    for i in range(n):
        created = now - timedelta(days=rng.uniform(0, 400))
        values: dict[str, Any] = {
            "first_name": _word(rng) if rng.random() < 0.9 else "",
            "last_name": _word(rng) if rng.random() < 0.8 else "",
            "email": f"{_word(rng, 1, 3).replace(' ', '').replace('%', '')}{i}@ex.com".lower()
            if rng.random() < 0.7 else None,
            "phone": f"+1415555{i:04d}" if rng.random() < 0.6 else None,
            "company": _word(rng) if rng.random() < 0.7 else "",
            "address1": _word(rng) if rng.random() < 0.5 else "",
            "city": rng.choice(["Paris", "paris", "Austin", ""]),
            "state": rng.choice(["TX", "tx", ""]),
            "postal_code": rng.choice(["75001", "78701", ""]),
            "timezone": rng.choice([None, "Europe/Paris"]),
            "country": rng.choice(["US", "FR", None]),
            "source": rng.choice(["web", "Web", "ads", ""]),
            "lifecycle_stage": rng.choice(list(LifecycleStage)),
            "lead_score": rng.choice([0, 5, 10, 50, 99]),
            "assigned_user_id": rng.choice([*users, None]),
            "dnd_sms": rng.random() < 0.2,
            "dnd_email": rng.random() < 0.2,
            "dnd_whatsapp": rng.random() < 0.1,
            "dnd_calls": rng.random() < 0.1,
            "date_of_birth": date(1960, 1, 1) + timedelta(days=rng.randrange(20000))
            if rng.random() < 0.5 else None,
            "created_at": created,
            "updated_at": created + timedelta(days=rng.uniform(0, 30)),
        }  # fmt: skip
        custom: dict[str, Any] = {}
        if rng.random() < 0.7:
            custom["industry"] = rng.choice(INDUSTRIES)
        if rng.random() < 0.6:
            custom["note"] = _word(rng) or "n"
        if rng.random() < 0.6:
            custom["revenue"] = rng.choice([0, 10, 10.5, 250, 1000])
        if rng.random() < 0.6:
            custom["signup"] = (now.date() - timedelta(days=rng.randrange(0, 200))).isoformat()
        if rng.random() < 0.6:
            custom["vip_flag"] = rng.random() < 0.5
        if rng.random() < 0.6:
            custom["interests"] = rng.sample(INTERESTS, rng.randint(1, 3))
        tags = {t for t in TAG_NAMES if rng.random() < 0.35}
        people.append(Person("", values, custom, tags))
    return people


def store(uow: Any, people: list[Person]) -> dict[str, str]:
    """Write the definitions, tags and contacts; returns tag name -> id."""
    for key, kind in CUSTOM.items():
        options = {"industry": INDUSTRIES, "interests": INTERESTS}.get(key, [])
        uow.session.add(ContactCustomField(key=key, label=key.title(), field_type=kind,
                                           options=options))  # fmt: skip
    tags = {name: Tag(name=name) for name in TAG_NAMES}
    uow.session.add_all(tags.values())
    uow.flush()
    for person in people:
        contact = Contact(**person.values, custom_fields=dict(person.custom))
        uow.session.add(contact)
        uow.flush()
        person.id = contact.id
        for name in person.tags:
            uow.session.add(ContactTag(contact_id=contact.id, tag_id=tags[name].id))
    uow.flush()
    return {name: t.id for name, t in tags.items()}


# -- the reference ------------------------------------------------------------------------
@dataclass(frozen=True)
class Ref:
    now: datetime
    zone: ZoneInfo

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()

    def start(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=self.zone).astimezone(UTC)


def _value(person: Person, name: str) -> Any:
    if name.startswith("custom_fields."):
        return person.custom.get(name.split(".", 1)[1])
    if name == "full_name":
        return " ".join(p for p in (person.values["first_name"], person.values["last_name"]) if p)
    return person.values[name]


def _text(v: Any, op: str, x: Any) -> bool:
    empty = v is None or v == ""
    if op == "is_empty":
        return empty
    if op == "is_not_empty":
        return not empty
    if op in ("in", "not_in"):
        inside = v is not None and fold(v) in {fold(str(i).strip()) for i in x}
        return inside if op == "in" else not inside
    x = fold(x.strip())
    if op == "neq":
        return v is None or fold(v) != x
    if op == "not_contains":
        return v is None or x not in fold(v)
    if v is None:
        return False
    return {
        "eq": fold(v) == x,
        "contains": x in fold(v),
        "starts_with": fold(v).startswith(x),
        "ends_with": fold(v).endswith(x),
    }[op]


def _number(v: Any, op: str, x: Any) -> bool:
    if op == "is_empty":
        return v is None
    if op == "is_not_empty":
        return v is not None
    if op == "neq":
        return v is None or v != x
    if v is None:
        return False
    if op == "between":
        return x[0] <= v <= x[1]
    return {"eq": v == x, "gt": v > x, "gte": v >= x, "lt": v < x, "lte": v <= x}[op]


def _moment(v: datetime | None, op: str, x: Any, ref: Ref) -> bool:
    if op == "is_empty":
        return v is None
    if op == "is_not_empty":
        return v is not None
    if v is None:
        return False
    if op == "within_last_days":
        return ref.now - timedelta(days=x) <= v <= ref.now
    if op == "more_than_days_ago":
        return v < ref.now - timedelta(days=x)
    if op == "between":
        a, b = date.fromisoformat(x[0]), date.fromisoformat(x[1])
        return ref.start(a) <= v < ref.start(b + timedelta(days=1))
    d = date.fromisoformat(x)
    start, end = ref.start(d), ref.start(d + timedelta(days=1))
    return {"before": v < start, "after": v >= end, "on": start <= v < end}[op]


def _day(v: Any, op: str, x: Any, ref: Ref) -> bool:
    if isinstance(v, str):
        v = date.fromisoformat(v)
    if op == "is_empty":
        return v is None
    if op == "is_not_empty":
        return v is not None
    if v is None:
        return False
    if op == "within_last_days":
        return ref.today - timedelta(days=x) <= v <= ref.today
    if op == "more_than_days_ago":
        return v < ref.today - timedelta(days=x)
    if op == "between":
        return date.fromisoformat(x[0]) <= v <= date.fromisoformat(x[1])
    d = date.fromisoformat(x)
    return {"before": v < d, "after": v > d, "on": v == d}[op]


def _choice(v: Any, op: str, x: Any) -> bool:
    if op == "is_empty":
        return v is None
    if op == "is_not_empty":
        return v is not None
    if op == "eq":
        return v is not None and v == x
    if op == "neq":
        return v is None or v != x
    if op == "in":
        return v is not None and v in x
    return v is None or v not in x


def _tags(person: Person, op: str, x: Any, tag_ids: dict[str, str]) -> bool:
    names = {n for n, i in tag_ids.items() for r in x if r in (n, i) or r.lower() == n.lower()}
    unknown = any(not any(r in (n, i) or r.lower() == n.lower() for n, i in tag_ids.items())
                  for r in x)  # fmt: skip
    if op == "has_any":
        return bool(person.tags & names)
    if op == "has_none":
        return not person.tags & names
    return not unknown and bool(names) and names <= person.tags


def matches(person: Person, node: dict[str, Any], ref: Ref, tag_ids: dict[str, str]) -> bool:
    if "conditions" in node:
        results = [matches(person, c, ref, tag_ids) for c in node["conditions"]]
        if not results:
            return True
        return all(results) if node.get("op", "and") == "and" else any(results)
    name, op, x = node["field"], node["operator"], node.get("value")
    if name == "tags":
        return _tags(person, op, x, tag_ids)
    if name == "dnd_any":
        on = any(person.values[k] for k in ("dnd_sms", "dnd_email", "dnd_whatsapp", "dnd_calls"))
        return on if op == "is_true" else not on
    v = _value(person, name)
    key = name.split(".", 1)[1] if name.startswith("custom_fields.") else None
    kind = CUSTOM.get(key) if key else None
    if name in ("lead_score",) or kind is CustomFieldType.NUMBER:
        return _number(v, op, x)
    if name in ("created_at", "updated_at"):
        return _moment(v, op, x, ref)
    if name == "date_of_birth" or kind is CustomFieldType.DATE:
        return _day(v, op, x, ref)
    if name in ("lifecycle_stage", "assigned_user_id") or kind is CustomFieldType.SELECT:
        return _choice(None if v is None else str(v), op, x)
    if name.startswith("dnd_") or kind is CustomFieldType.CHECKBOX:
        return bool(v) if op == "is_true" else not v
    if kind is CustomFieldType.MULTISELECT:
        chosen = set(v or [])
        if op == "is_empty":
            return not chosen
        if op == "is_not_empty":
            return bool(chosen)
        wanted = set(x)
        return {"has_any": bool(chosen & wanted), "has_all": wanted <= chosen,
                "has_none": not chosen & wanted}[op]  # fmt: skip
    return _text(v, op, x)
