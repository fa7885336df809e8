"""Geometry of the calendar views without painting: which days a view shows, where a block of
time lands (side by side when blocks overlap), and what a point hits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum


class ViewMode(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class Block:
    """Something shown in the grid: an appointment (``id``) or an external busy time."""

    id: str | None
    start: datetime
    end: datetime
    title: str
    subtitle: str = ""
    status: str = "scheduled"
    color_key: str = ""
    is_busy: bool = False


@dataclass(frozen=True)
class Placed:
    block: Block
    day_index: int
    top: float  # minutes since midnight (local)
    bottom: float
    lane: int
    lanes: int


def week_start(day: date) -> date:
    """Weeks start on Monday."""
    return day - timedelta(days=day.weekday())


def visible_days(mode: ViewMode, anchor: date) -> list[date]:
    if mode is ViewMode.DAY:
        return [anchor]
    if mode is ViewMode.WEEK:
        first = week_start(anchor)
        return [first + timedelta(days=i) for i in range(7)]
    first = week_start(anchor.replace(day=1))
    return [first + timedelta(days=i) for i in range(42)]


def step(mode: ViewMode, anchor: date, direction: int) -> date:
    """The anchor one view earlier (-1) or later (+1)."""
    if mode is ViewMode.DAY:
        return anchor + timedelta(days=direction)
    if mode is ViewMode.WEEK:
        return anchor + timedelta(days=7 * direction)
    month = anchor.month - 1 + direction
    year = anchor.year + month // 12
    return date(year, month % 12 + 1, 1)


def local_bounds(days: list[date], zone: tzinfo) -> tuple[datetime, datetime]:
    start = datetime.combine(days[0], time(0), zone)
    end = datetime.combine(days[-1] + timedelta(days=1), time(0), zone)
    return start, end


def place(blocks: list[Block], days: list[date], zone: tzinfo) -> list[Placed]:
    """Split blocks at local midnight and give overlapping pieces of a day their own lane."""
    index = {d: i for i, d in enumerate(days)}
    pieces: dict[int, list[tuple[float, float, Block]]] = {}
    for block in blocks:
        start, end = block.start.astimezone(zone), block.end.astimezone(zone)
        day = start.date()
        while day <= end.date():
            if day in index:
                top = 0.0 if day > start.date() else start.hour * 60 + start.minute
                if day < end.date():
                    bottom = 24 * 60.0
                else:
                    bottom = end.hour * 60 + end.minute + end.second / 60
                if bottom > top or (bottom == top and day == start.date()):
                    pieces.setdefault(index[day], []).append((top, max(bottom, top + 15), block))
            day += timedelta(days=1)
    placed: list[Placed] = []
    for day_index, items in pieces.items():
        items.sort(key=lambda p: (p[0], -p[1]))
        cluster: list[tuple[float, float, Block, int]] = []
        cluster_end = -1.0
        for top, bottom, block in items:
            if cluster and top >= cluster_end:
                placed += _finish(cluster, day_index)
                cluster = []
            lanes_end: dict[int, float] = {}
            for _t, b, _blk, lane in cluster:
                lanes_end[lane] = max(lanes_end.get(lane, 0.0), b)
            lane = next((n for n in range(len(lanes_end) + 1) if lanes_end.get(n, -1) <= top), 0)
            cluster.append((top, bottom, block, lane))
            cluster_end = max(cluster_end, bottom)
        placed += _finish(cluster, day_index)
    return placed


def _finish(cluster: list[tuple[float, float, Block, int]], day_index: int) -> list[Placed]:
    lanes = max((lane for *_rest, lane in cluster), default=0) + 1
    return [Placed(b, day_index, t, bt, lane, lanes) for t, bt, b, lane in cluster]


def month_items(blocks: list[Block], days: list[date], zone: tzinfo) -> dict[date, list[Block]]:
    """Blocks by each local day they touch (a block over midnight shows on both days)."""
    wanted = set(days)
    found: dict[date, list[Block]] = {}
    for block in sorted(blocks, key=lambda b: b.start):
        start, end = block.start.astimezone(zone), block.end.astimezone(zone)
        last = (end - timedelta(microseconds=1)).date() if end > start else start.date()
        day = start.date()
        while day <= last:
            if day in wanted:
                found.setdefault(day, []).append(block)
            day += timedelta(days=1)
    return found
