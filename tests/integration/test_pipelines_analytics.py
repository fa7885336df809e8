"""Pipeline analytics in SQL against a brute-force reference over generated deals, on SQLite
and PostgreSQL, with and without the owner and date filters."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from ghl_desktop.models.pipelines import (
    Opportunity,
    OpportunityStageHistory,
    OpportunityStatus,
    StageKind,
)
from ghl_desktop.services import users
from ghl_desktop.services.pipelines.analytics import AnalyticsFilter, pipeline_analytics
from tests.conftest import TEST_PASSWORD
from tests.integration.pipeline_builders import Sales, sales
from tests.speed import fast_password_hashing

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
__all__ = ["fast_password_hashing"]

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
DEALS = 80


def _generate(
    s: Sales, owners: list[str | None]
) -> tuple[list[Opportunity], list[OpportunityStageHistory]]:
    rng = random.Random(8)
    stages = list(s.pipeline.stages)
    open_path = [x for x in stages if x.kind is StageKind.OPEN]
    won = next(x for x in stages if x.kind is StageKind.WON)
    lost = next(x for x in stages if x.kind is StageKind.LOST)
    deals, history = [], []
    with s.rt.uows.tenant(s.t.owner, s.t.sub_account_id) as uow:
        for i in range(DEALS):
            created = NOW - timedelta(days=rng.uniform(1, 150))
            # A path along the open stages, sometimes skipping one, then maybe won or lost.
            path = [open_path[0]]
            for stage in open_path[1:]:
                if rng.random() < 0.6:
                    path.append(stage)
                elif rng.random() < 0.3:
                    continue
                else:
                    break
            ending = rng.random()
            if ending < 0.25:
                path.append(won)
            elif ending < 0.45:
                path.append(lost)
            moment, rows = created, []
            for j, stage in enumerate(path):
                seconds = None if j == 0 else rng.randint(60, 20 * 86_400)
                moment = moment + timedelta(seconds=seconds or 0)
                prev = path[j - 1] if j else None
                rows.append(OpportunityStageHistory(
                    from_stage_id=prev.id if prev else None, to_stage_id=stage.id,
                    from_stage_name=prev.name if prev else "", to_stage_name=stage.name,
                    duration_seconds=seconds, changed_at=moment, created_at=moment,
                    updated_at=moment,
                ))  # fmt: skip
            final = path[-1]
            status = {StageKind.WON: OpportunityStatus.WON, StageKind.LOST: OpportunityStatus.LOST}
            closed = final.kind is not StageKind.OPEN
            if not closed and rng.random() < 0.1:
                status_value = OpportunityStatus.ABANDONED
                closed = True
            else:
                status_value = status.get(final.kind, OpportunityStatus.OPEN)
            deal = Opportunity(
                contact_id=s.contact_ids[i % 2], pipeline_id=s.pipeline.id, stage_id=final.id,
                name=f"Deal {i}", value_minor=rng.randint(0, 50) * 1_000 + rng.randint(0, 99),
                currency="EUR" if i % 9 == 0 else "USD", owner_user_id=rng.choice(owners),
                status=status_value, stage_entered_at=moment, closed_at=moment if closed else None,
                created_at=created, updated_at=moment,
                deleted_at=NOW if i % 17 == 5 else None,
            )  # fmt: skip
            uow.session.add(deal)
            uow.flush()
            for row in rows:
                row.opportunity_id = deal.id
            uow.session.add_all(rows)
            deals.append(deal)
            history.extend(rows)
        uow.commit()
    return deals, history


def _reference(s: Sales, deals, history, f: AnalyticsFilter) -> dict:
    def in_range(at: datetime | None) -> bool:
        if at is None:
            return False
        return (f.date_from is None or at >= f.date_from) and (f.date_to is None or at < f.date_to)

    def owned(d: Opportunity) -> bool:
        return f.owner_user_id is None or d.owner_user_id == f.owner_user_id

    live = [d for d in deals if d.deleted_at is None and owned(d)]
    by_id = {d.id: d for d in live}
    stages = {x.id: x for x in s.pipeline.stages}
    per_stage = {x.id: [0, 0, 0] for x in s.pipeline.stages}
    for d in live:
        if not in_range(d.created_at):
            continue
        usd = d.value_minor if d.currency == "USD" else 0
        per_stage[d.stage_id][0] += 1
        per_stage[d.stage_id][1] += usd
        if d.status == OpportunityStatus.OPEN:
            per_stage[d.stage_id][2] += usd * stages[d.stage_id].probability
    durations = defaultdict(list)
    top: dict[str, int] = {}
    for h in history:
        if h.opportunity_id not in by_id:
            continue
        if h.from_stage_id and in_range(h.changed_at):
            durations[h.from_stage_id].append(h.duration_seconds)
        stage = stages[h.to_stage_id]
        if stage.kind is not StageKind.LOST and in_range(by_id[h.opportunity_id].created_at):
            top[h.opportunity_id] = max(top.get(h.opportunity_id, -1), stage.position)
    closed = [d for d in live if in_range(d.closed_at)]
    months: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for d in closed:
        if d.status == OpportunityStatus.WON:
            months[d.closed_at.strftime("%Y-%m")][0] += 1
            months[d.closed_at.strftime("%Y-%m")][1] += d.value_minor if d.currency == "USD" else 0
    return {
        "stages": [
            (per_stage[x.id][0], per_stage[x.id][1], (per_stage[x.id][2] + 50) // 100,
             sum(durations[x.id]) / len(durations[x.id]) if durations[x.id] else None,
             len(durations[x.id]))
            for x in s.pipeline.stages
        ],
        "reached": {
            x.id: sum(1 for t in top.values() if t >= x.position)
            for x in s.pipeline.stages if x.kind is not StageKind.LOST
        },
        "won": sum(1 for d in closed if d.status == OpportunityStatus.WON),
        "lost": sum(1 for d in closed if d.status == OpportunityStatus.LOST),
        "months": [(m, v[0], v[1]) for m, v in sorted(months.items())],
    }  # fmt: skip


def test_analytics_match_the_brute_force_reference(any_runtime) -> None:
    s = sales(any_runtime)
    second = users.create_user(
        any_runtime.uows, s.t.owner, s.t.agency_id, "rep@acme.com", TEST_PASSWORD,
        role="staff", sub_account_id=s.t.sub_account_id,
    ).id  # fmt: skip
    deals, history = _generate(s, [s.t.owner.user_id, second, None])
    filters = [
        AnalyticsFilter(),
        AnalyticsFilter(owner_user_id=second),
        AnalyticsFilter(date_from=NOW - timedelta(days=60)),
        AnalyticsFilter(
            owner_user_id=s.t.owner.user_id,
            date_from=NOW - timedelta(days=120),
            date_to=NOW - timedelta(days=20),
        ),
    ]
    for f in filters:
        got = pipeline_analytics(any_runtime.uows, s.t.owner, s.t.sub_account_id, s.pipeline.id, f)
        want = _reference(s, deals, history, f)
        stats = [(x.count, x.value_minor, x.weighted_minor, x.average_seconds, x.exits)
                 for x in got.stages]  # fmt: skip
        for mine, ref in zip(stats, want["stages"], strict=True):
            assert mine[:3] == ref[:3], f
            assert mine[4] == ref[4], f
            assert (mine[3] is None) == (ref[3] is None), f
            if ref[3] is not None:
                assert mine[3] == pytest.approx(ref[3]), f
        assert got.forecast_minor == sum(r[2] for r in want["stages"])
        reached = {c.from_stage.id: c.reached_from for c in got.conversions}
        reached.update({c.to_stage.id: c.reached_to for c in got.conversions})
        assert reached == want["reached"], f
        assert (got.won_count, got.lost_count) == (want["won"], want["lost"]), f
        assert [(m.month, m.count, m.value_minor) for m in got.won_by_month] == want["months"]
    everything = pipeline_analytics(any_runtime.uows, s.t.owner, s.t.sub_account_id)
    assert sum(x.count for x in everything.stages) == sum(1 for d in deals if d.deleted_at is None)
    assert everything.win_rate == everything.won_count / (
        everything.won_count + everything.lost_count
    )
    assert 0 < everything.conversions[0].rate < 1
    assert len(everything.won_by_month) >= 3
