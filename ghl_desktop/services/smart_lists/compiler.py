"""Compile a smart-list filter (``filters.Group``) to one SQLAlchemy WHERE expression.

Nothing is filtered in Python: the result goes into the contacts query as it is, so counting,
paging, bulk actions and exports all run in the database. Tag conditions are semi-joins driven
by the ``contact_tags (sub_account_id, tag_id, contact_id)`` index; custom fields are read with
``json_extract`` (SQLite) or ``->>`` (PostgreSQL) on the literal key, so an expression index on
the same expression can serve them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from typing import cast as cast_type
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Numeric,
    String,
    Table,
    and_,
    case,
    cast,
    distinct,
    exists,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import array

from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.crm import Contact, ContactCustomField, ContactTag, LifecycleStage, Tag
from ghl_desktop.models.custom_fields import CustomFieldType
from ghl_desktop.models.tenancy import SubAccount
from ghl_desktop.services.custom_fields import KEY_PATTERN
from ghl_desktop.services.smart_lists.filters import (
    CUSTOM_PREFIX,
    OPERATORS,
    STANDARD_FIELDS,
    Condition,
    Group,
    Kind,
)
from ghl_desktop.services.uow import UnitOfWork

Expr = ColumnElement[bool]
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

CUSTOM_KINDS = {
    CustomFieldType.TEXT: Kind.TEXT,
    CustomFieldType.TEXTAREA: Kind.TEXT,
    CustomFieldType.EMAIL: Kind.TEXT,
    CustomFieldType.PHONE: Kind.TEXT,
    CustomFieldType.URL: Kind.TEXT,
    CustomFieldType.NUMBER: Kind.NUMBER,
    CustomFieldType.MONETARY: Kind.NUMBER,
    CustomFieldType.DATE: Kind.DATE,
    CustomFieldType.SELECT: Kind.ENUM,
    CustomFieldType.CHECKBOX: Kind.BOOL,
    CustomFieldType.MULTISELECT: Kind.MULTI,
}


@dataclass(frozen=True)
class CustomFieldRef:
    key: str
    field_type: CustomFieldType
    options: tuple[str, ...]


@dataclass(frozen=True)
class CompileContext:
    """What compiling needs to know about the sub-account (loaded once per query)."""

    dialect: str
    sub_account_id: str
    now: datetime
    zone: ZoneInfo
    custom_fields: Mapping[str, CustomFieldRef]
    tag_ids: Mapping[str, str]  # tag id or lower-case name -> tag id
    # SQLite: tags on more than LARGE_TAG contacts (their conditions probe per contact).
    large_tags: frozenset[str] = frozenset()

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()

    def day_start(self, day: date) -> datetime:
        """The first instant of a calendar day of the sub-account, in UTC."""
        return datetime.combine(day, time(), tzinfo=self.zone).astimezone(UTC)


def load_context(uow: UnitOfWork, group: Group) -> CompileContext:
    # Plain statements on the session's connection (every list read compiles its filter; the
    # ORM loads cost more than the rest of a small query), so the tenant is named outright
    # and pending changes are flushed first, as the ORM's autoflush would.
    session, sub_id = uow.session, uow.sub_account_id
    if session.new or session.dirty or session.deleted:
        session.flush()
    connection = session.connection()
    subs = cast_table(SubAccount)
    timezone = connection.execute(
        select(subs.c.timezone).where(subs.c.id == sub_id)
    ).scalar_one_or_none()
    zone = ZoneInfo(timezone or "UTC")
    fields = cast_table(ContactCustomField)
    custom = {
        key: CustomFieldRef(key, CustomFieldType(field_type), tuple(options or ()))
        for key, field_type, options in connection.execute(
            select(fields.c.key, fields.c.field_type, fields.c.options).where(
                fields.c.sub_account_id == sub_id
            )
        )
    }
    wanted: set[str] = set()
    for cond in group.walk():
        if cond.field == "tags" and isinstance(cond.value, tuple):
            wanted.update(str(v) for v in cond.value)
    tag_ids: dict[str, str] = {}
    if wanted:
        keys = {w.strip().lower() for w in wanted}
        tags = cast_table(Tag)
        for tag_id, name_key in connection.execute(
            select(tags.c.id, tags.c.name_key).where(
                tags.c.sub_account_id == sub_id,
                tags.c.id.in_(wanted) | tags.c.name_key.in_(keys),
            )
        ):
            tag_ids[tag_id] = tag_id
            tag_ids[name_key] = tag_id
    dialect = uow.session.get_bind().dialect.name
    large = _large_tags(uow, set(tag_ids.values())) if dialect == "sqlite" else frozenset()
    return CompileContext(
        dialect, uow.sub_account_id, uow.clock.now(), zone, custom, tag_ids, large
    )


# A tag condition is a semi-join. Over a tag carried by few contacts, SQLite reads the tag's
# links (``IN``: it may start from them, or check contacts against the short list). Over a tag
# on tens of thousands of contacts, building that list costs more than the rest of the query
# (50,000 links: ~25 ms); probing the primary key (contact_id, tag_id) for each contact the
# other conditions leave is far cheaper, and lets an index on the sort order serve the page.
LARGE_TAG = 5_000


_TAG_LINKS_UP_TO = text(
    "SELECT count(*) FROM (SELECT 1 FROM contact_tags"
    " WHERE sub_account_id = :sub AND tag_id = :tag LIMIT :cap) AS links"
)


def _large_tags(uow: UnitOfWork, tag_ids: set[str]) -> frozenset[str]:
    """The tags among ``tag_ids`` with more than LARGE_TAG links (each counted up to that)."""
    connection = uow.session.connection()
    return frozenset(
        tag_id
        for tag_id in sorted(tag_ids)
        if connection.execute(
            _TAG_LINKS_UP_TO, {"sub": uow.sub_account_id, "tag": tag_id, "cap": LARGE_TAG + 1}
        ).scalar_one()
        > LARGE_TAG
    )


# -- values -----------------------------------------------------------------------------------
def cast_table(model: Any) -> Table:
    return cast_type(Table, model.__table__)


def fold(text: str) -> str:
    """Lower-case ASCII letters only: what SQLite's ``lower()`` does."""
    return text.translate(_ASCII_LOWER)


def _err(cond: Condition, problem: str) -> ValidationError:
    return ValidationError(f"filter.{cond.field}", f"{cond.operator}: {problem}")


def _text_value(cond: Condition) -> str:
    if not isinstance(cond.value, str) or not cond.value.strip():
        raise _err(cond, "needs a non-empty text value")
    return fold(cond.value.strip())


def _list_value(cond: Condition) -> tuple[Any, ...]:
    if not isinstance(cond.value, tuple) or not cond.value:
        raise _err(cond, "needs a non-empty list")
    return cond.value


def _number(cond: Condition, value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _err(cond, f"needs a number, got {value!r}")
    return value


def _day(cond: Condition, value: Any) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _err(cond, f"needs a date as YYYY-MM-DD, got {value!r}") from None


def _days(cond: Condition) -> int:
    value = cond.value
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 36_500:
        raise _err(cond, f"needs a whole number of days, got {value!r}")
    return value


def _pair(cond: Condition) -> tuple[Any, Any]:
    if not isinstance(cond.value, tuple) or len(cond.value) != 2:
        raise _err(cond, "needs [from, to]")
    return cond.value[0], cond.value[1]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# -- column expressions -----------------------------------------------------------------------
def _standard_column(name: str) -> ColumnElement[Any]:
    if name == "full_name":
        return func.trim(Contact.first_name + literal(" ") + Contact.last_name)
    column: ColumnElement[Any] = getattr(Contact, name)
    return column


def _json_text(ctx: CompileContext, key: str) -> ColumnElement[Any]:
    if ctx.dialect == "postgresql":
        return Contact.custom_fields.op("->>", return_type=String())(literal_column(f"'{key}'"))
    return func.json_extract(Contact.custom_fields, literal_column(f"'$.{key}'"), type_=String())


def _json_number(ctx: CompileContext, key: str) -> ColumnElement[Any]:
    if ctx.dialect == "postgresql":
        element = Contact.custom_fields.op("->")(literal_column(f"'{key}'"))
        return case(
            (func.jsonb_typeof(element) == "number", cast(_json_text(ctx, key), Numeric())),
            else_=None,
        )
    # Number fields only ever hold JSON numbers (values are validated on write and a field's
    # type cannot change while values exist), so the plain expression is safe here - and it
    # is the one the field's expression index is built on.
    return func.json_extract(Contact.custom_fields, literal_column(f"'$.{key}'"))


# -- operators by kind ------------------------------------------------------------------------
def _text(col: ColumnElement[Any], cond: Condition) -> Expr:
    op = cond.operator
    if op == "is_empty":
        return or_(col.is_(None), col == "")
    if op == "is_not_empty":
        return and_(col.is_not(None), col != "")
    lowered = func.lower(col)
    if op in ("in", "not_in"):
        values = [fold(str(v).strip()) for v in _list_value(cond)]
        matched = lowered.in_(values)
        return matched if op == "in" else or_(col.is_(None), not_(matched))
    value = _text_value(cond)
    if op == "eq":
        return lowered == value
    if op == "neq":
        return or_(col.is_(None), lowered != value)
    pattern = {
        "contains": f"%{_escape_like(value)}%",
        "not_contains": f"%{_escape_like(value)}%",
        "starts_with": f"{_escape_like(value)}%",
        "ends_with": f"%{_escape_like(value)}",
    }[op]
    like = lowered.like(pattern, escape="\\")
    return or_(col.is_(None), not_(like)) if op == "not_contains" else like


def _numeric(col: ColumnElement[Any], cond: Condition) -> Expr:
    op = cond.operator
    if op == "is_empty":
        return col.is_(None)
    if op == "is_not_empty":
        return col.is_not(None)
    if op == "between":
        low, high = (_number(cond, v) for v in _pair(cond))
        if low > high:
            raise _err(cond, "from must not be greater than to")
        return col.between(low, high)
    value = _number(cond, cond.value)
    compare: dict[str, Callable[[], Expr]] = {
        "eq": lambda: col == value,
        "neq": lambda: or_(col.is_(None), col != value),
        "gt": lambda: col > value,
        "gte": lambda: col >= value,
        "lt": lambda: col < value,
        "lte": lambda: col <= value,
    }
    return compare[op]()


def _moment(col: ColumnElement[Any], cond: Condition, ctx: CompileContext) -> Expr:
    """created_at / updated_at: instants compared with the sub-account's calendar days."""
    op = cond.operator
    if op == "is_empty":
        return col.is_(None)
    if op == "is_not_empty":
        return col.is_not(None)
    if op == "within_last_days":
        return and_(col >= ctx.now - timedelta(days=_days(cond)), col <= ctx.now)
    if op == "more_than_days_ago":
        return col < ctx.now - timedelta(days=_days(cond))
    if op == "between":
        first, last = (_day(cond, v) for v in _pair(cond))
        if first > last:
            raise _err(cond, "from must not be after to")
        return and_(col >= ctx.day_start(first), col < ctx.day_start(last + timedelta(days=1)))
    day = _day(cond, cond.value)
    start, end = ctx.day_start(day), ctx.day_start(day + timedelta(days=1))
    chosen: dict[str, Expr] = {
        "before": col < start,
        "after": col >= end,
        "on": and_(col >= start, col < end),
    }
    return chosen[op]


def _calendar_day(
    col: ColumnElement[Any], cond: Condition, ctx: CompileContext, as_text: bool
) -> Expr:
    """date_of_birth and custom date fields: plain calendar days (ISO text in custom fields)."""
    op = cond.operator
    if op == "is_empty":
        return col.is_(None)
    if op == "is_not_empty":
        return col.is_not(None)

    def v(day: date) -> date | str:
        return day.isoformat() if as_text else day

    if op == "within_last_days":
        return and_(col >= v(ctx.today - timedelta(days=_days(cond))), col <= v(ctx.today))
    if op == "more_than_days_ago":
        return col < v(ctx.today - timedelta(days=_days(cond)))
    if op == "between":
        first, last = (_day(cond, x) for x in _pair(cond))
        if first > last:
            raise _err(cond, "from must not be after to")
        return and_(col >= v(first), col <= v(last))
    day = v(_day(cond, cond.value))
    chosen: dict[str, Expr] = {"before": col < day, "after": col > day, "on": col == day}
    return chosen[cond.operator]


def _choice(
    col: ColumnElement[Any], cond: Condition, allowed: Sequence[str] | None, nullable: bool
) -> Expr:
    op = cond.operator
    if op == "is_empty":
        return col.is_(None)
    if op == "is_not_empty":
        return col.is_not(None)
    values = list(_list_value(cond)) if op in ("in", "not_in") else [cond.value]
    for value in values:
        if not isinstance(value, str) or (allowed is not None and value not in allowed):
            choices = f" (one of {', '.join(allowed)})" if allowed is not None else ""
            raise _err(cond, f"{value!r} is not a valid choice{choices}")
    matched = col == values[0] if op in ("eq", "neq") else col.in_(values)
    if op in ("eq", "in"):
        return matched
    return or_(col.is_(None), not_(matched)) if nullable else not_(matched)


def _flag(col: ColumnElement[Any], cond: Condition) -> Expr:
    return col == true() if cond.operator == "is_true" else col == false()


def _custom_flag(ctx: CompileContext, key: str, cond: Condition) -> Expr:
    if ctx.dialect == "postgresql":
        text = _json_text(ctx, key)
        if cond.operator == "is_true":
            return text == "true"
        return func.coalesce(text, "false") == "false"
    value = func.json_extract(Contact.custom_fields, literal_column(f"'$.{key}'"))
    return value == 1 if cond.operator == "is_true" else func.coalesce(value, 0) == 0


def _multi(ctx: CompileContext, ref: CustomFieldRef, cond: Condition) -> Expr:
    key = ref.key
    size: ColumnElement[Any]
    any_: ColumnElement[bool]
    all_: ColumnElement[bool]
    if cond.operator in ("is_empty", "is_not_empty"):
        if ctx.dialect == "postgresql":
            element = Contact.custom_fields.op("->")(literal_column(f"'{key}'"))
            size = case((func.jsonb_typeof(element) == "array", func.jsonb_array_length(element)))
        else:
            size = func.json_array_length(Contact.custom_fields, literal_column(f"'$.{key}'"))
        empty = or_(size.is_(None), size == 0)
        return empty if cond.operator == "is_empty" else not_(empty)
    values = [str(v) for v in _list_value(cond)]
    for value in values:
        if value not in ref.options:
            raise _err(cond, f"{value!r} is not one of {', '.join(ref.options)}")
    if ctx.dialect == "postgresql":
        element = Contact.custom_fields.op("->")(literal_column(f"'{key}'"))
        any_ = func.coalesce(element.op("?|", return_type=Boolean())(array(values)), false())
        all_ = func.coalesce(element.op("?&", return_type=Boolean())(array(values)), false())
    else:
        items = func.json_each(Contact.custom_fields, literal_column(f"'$.{key}'")).table_valued(
            "value"
        )
        any_ = exists(select(literal(1)).select_from(items).where(items.c.value.in_(values)))
        matched = (
            select(func.count(distinct(items.c.value)))
            .select_from(items)
            .where(items.c.value.in_(values))
            .scalar_subquery()
        )
        all_ = matched == len(set(values))
    return {"has_any": any_, "has_all": all_, "has_none": not_(any_)}[cond.operator]


def _tags(ctx: CompileContext, cond: Condition) -> Expr:
    requested = [str(v) for v in _list_value(cond)]
    resolved = [ctx.tag_ids.get(r) or ctx.tag_ids.get(r.strip().lower()) for r in requested]
    ids = sorted({r for r in resolved if r})
    missing = any(r is None for r in resolved)
    if cond.operator == "has_all" and missing:
        return false()  # a tag that does not exist cannot be carried
    if ctx.large_tags.intersection(ids):
        return _probed_tags(cond.operator, ids)
    links = select(ContactTag.contact_id).where(
        ContactTag.sub_account_id == ctx.sub_account_id, ContactTag.tag_id.in_(ids)
    )
    if cond.operator == "has_any":
        return Contact.id.in_(links) if ids else false()
    if cond.operator == "has_none":
        return not_(Contact.id.in_(links)) if ids else true()
    if not ids:  # has_all
        return false()
    if len(ids) == 1:
        return Contact.id.in_(links)
    grouped = links.group_by(ContactTag.contact_id).having(func.count() == len(ids))
    return Contact.id.in_(grouped)


def _probed_tags(operator: str, ids: list[str]) -> Expr:
    """Tag conditions as correlated lookups of the primary key (contact_id, tag_id), for
    large tags (see LARGE_TAG). The links' own sub-account is not compared: the ids are tags
    of the current sub-account and the contact is one of its contacts, so a link between them
    is too (and the comparison would read every link's row instead of the key alone)."""

    def carries(tag_ids: list[str]) -> Expr:
        return exists(
            select(literal(1))
            .select_from(ContactTag)
            .where(ContactTag.contact_id == Contact.id, ContactTag.tag_id.in_(tag_ids))
        )

    if operator == "has_any":
        return carries(ids)
    if operator == "has_none":
        return not_(carries(ids))
    return and_(*(carries([tag_id]) for tag_id in ids))  # has_all (ids are checked non-empty)


def _condition(cond: Condition, ctx: CompileContext) -> Expr:
    if cond.field.startswith(CUSTOM_PREFIX):
        return _custom(cond, ctx)
    kind = STANDARD_FIELDS[cond.field]
    _check_operator(cond, kind)
    if kind is Kind.TAGS:
        return _tags(ctx, cond)
    if cond.field == "dnd_any":
        dnd = or_(Contact.dnd_sms, Contact.dnd_email, Contact.dnd_whatsapp, Contact.dnd_calls)
        return dnd if cond.operator == "is_true" else not_(dnd)
    col = _standard_column(cond.field)
    if kind is Kind.TEXT:
        return _text(col, cond)
    if kind is Kind.NUMBER:
        return _numeric(col, cond)
    if kind is Kind.DATETIME:
        return _moment(col, cond, ctx)
    if kind is Kind.DATE:
        return _calendar_day(col, cond, ctx, as_text=False)
    if kind is Kind.ENUM:
        return _choice(col, cond, [s.value for s in LifecycleStage], nullable=False)
    if kind is Kind.USER:
        return _choice(col, cond, None, nullable=True)
    return _flag(col, cond)


def _check_operator(cond: Condition, kind: Kind) -> None:
    if cond.operator not in OPERATORS[kind]:
        allowed = ", ".join(sorted(OPERATORS[kind]))
        raise ValidationError(
            f"filter.{cond.field}", f"operator {cond.operator!r} is not one of {allowed}"
        )


def _custom(cond: Condition, ctx: CompileContext) -> Expr:
    key = cond.field[len(CUSTOM_PREFIX) :]
    ref = ctx.custom_fields.get(key)
    if ref is None or not KEY_PATTERN.match(key):
        raise ValidationError(f"filter.{cond.field}", "is not a defined custom field")
    kind = CUSTOM_KINDS[ref.field_type]
    _check_operator(cond, kind)
    if kind is Kind.TEXT:
        return _text(_json_text(ctx, key), cond)
    if kind is Kind.NUMBER:
        return _numeric(_json_number(ctx, key), cond)
    if kind is Kind.DATE:
        return _calendar_day(_json_text(ctx, key), cond, ctx, as_text=True)
    if kind is Kind.ENUM:
        return _choice(_json_text(ctx, key), cond, ref.options, nullable=True)
    if kind is Kind.BOOL:
        return _custom_flag(ctx, key, cond)
    return _multi(ctx, ref, cond)


def compile_filter(group: Group, ctx: CompileContext) -> Expr:
    """One boolean expression over ``Contact`` (raises ValidationError on a bad condition)."""
    parts = [
        compile_filter(item, ctx) if isinstance(item, Group) else _condition(item, ctx)
        for item in group.conditions
    ]
    if not parts:
        return true()
    if len(parts) == 1:
        return parts[0]
    return and_(*parts) if group.op == "and" else or_(*parts)


def validate_filter(uow: UnitOfWork, group: Group) -> Group:
    """Compile once to check every condition; tag names must exist. Returns ``group``."""
    ctx = load_context(uow, group)
    compile_filter(group, ctx)
    for cond in group.walk():
        if cond.field == "tags":
            for ref in cond.value or ():
                if str(ref) not in ctx.tag_ids and str(ref).strip().lower() not in ctx.tag_ids:
                    raise ValidationError("filter.tags", f"no tag named {ref!r}")
    return group
