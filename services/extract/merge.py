"""Merging strike reports into events, across sentences and across sources.

Two reports describe one strike when they share a *block* (actor and strike class) and are
compatible: dates within a day, the same theater, launch platform, launch area and weapon class
where both name them, and quantities that do not contradict each other. The first report of an event
fixes its ``event_id``; later reports fold into it and raise its ``version``, and their ids are kept in
``merged_ids``: a statement names the reports of its own article in ``related_event_ids``, and those
ids must still lead to the event after the merge.

The Faust merge agent partitions by :func:`block_key`, so every candidate of a block meets the same
state; ``warwire extract`` uses the same :class:`Block` in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.coding import code_strike
from shared.geo import haversine_km
from shared.schemas import Evidence, Place, Quantities, SourceRef, StatementEvent, StrikeEvent, StrikeType
from shared.schemas.events import theater_of
from shared.weapons import weapon_class


def strike_class(strike_type: StrikeType) -> str:
    return {StrikeType.DRONE_STRIKE: "air_strike"}.get(strike_type, strike_type.value)


def block_key(event: StrikeEvent) -> str:
    actor = event.actor.name if event.actor else "unknown"
    return f"{actor}|{strike_class(event.strike_type)}"


# Two specific places this close can be one strike reported with different names ("the outskirts of X").
SAME_PLACE_KM = 15.0


def _specific(event: StrikeEvent) -> list[Place]:
    """Town- or village-level places: resolved to a point, or named but not in the gazetteer."""
    return [p for p in event.locations if p.geo_precision in (1, 2) or p.geo_precision is None]


def places_compatible(a: StrikeEvent, b: StrikeEvent) -> bool:
    """Reports of one strike name compatible places: the same place, one inside the other, or two
    points within SAME_PLACE_KM. 'Shelled Ftireh' and 'shelled Kafr Amma' on one day are two strikes."""
    pa, pb = _specific(a), _specific(b)
    if pa and pb:
        if {p.name.lower() for p in pa} & {p.name.lower() for p in pb}:
            return True
        return any(
            x.lat is not None
            and x.lon is not None
            and y.lat is not None
            and y.lon is not None
            and haversine_km(x.lat, x.lon, y.lat, y.lon) <= SAME_PLACE_KM
            for x in pa
            for y in pb
        )
    # Otherwise a province on one side must contain the other's places.
    admin_a = {p.admin1 for p in a.locations if p.admin1}
    admin_b = {p.admin1 for p in b.locations if p.admin1}
    return not (admin_a and admin_b) or bool(admin_a & admin_b)


def _agree(a: object, b: object) -> bool:
    return a is None or b is None or a == b


def _quantity_agrees(a: int | None, b: int | None) -> bool:
    if a is None or b is None:
        return True
    return abs(a - b) <= max(2, 0.25 * max(a, b))


def compatible(a: StrikeEvent, b: StrikeEvent) -> bool:
    if block_key(a) != block_key(b):
        return False
    if a.occurred_on is None or b.occurred_on is None or abs((a.occurred_on - b.occurred_on).days) > 1:
        return False
    ta, tb = theater_of(a), theater_of(b)
    if a.actor is None and (ta is None or ta != tb):
        return False  # unknown attackers merge only on a shared, known theater
    if not _agree(ta, tb) or not places_compatible(a, b):
        return False
    if a.background != b.background:
        return False  # a past strike recalled is not today's strike
    pa = a.launch_platform.kind if a.launch_platform else None
    pb = b.launch_platform.kind if b.launch_platform else None
    if not _agree(pa, pb):
        return False
    # Launch areas are compared only when both were resolved ("the inland sea" tells nothing).
    la = a.launch_location.name if a.launch_location and a.launch_location.geo_precision else None
    lb = b.launch_location.name if b.launch_location and b.launch_location.geo_precision else None
    if not _agree(la, lb):
        return False
    if not _agree(weapon_class(a.weapon), weapon_class(b.weapon)):
        return False
    qa, qb = a.quantities, b.quantities
    return _quantity_agrees(qa.munitions, qb.munitions) and _quantity_agrees(qa.platforms, qb.platforms)


def union_reports(
    old: StrikeEvent | StatementEvent, new: StrikeEvent | StatementEvent
) -> tuple[dict[str, SourceRef], list[SourceRef], dict[tuple[str, int], Evidence]]:
    """Sources (by article) and evidence (by sentence) of two reports of one event, and the sources
    ``new`` adds: the union every merge of strikes or statements starts from."""
    sources = {s.article_id: s for s in old.sources}
    added = [s for s in new.sources if s.article_id not in sources]
    for s in added:
        sources[s.article_id] = s
    evidence = {(e.article_id, e.char_start): e for e in old.evidence}
    for e in new.evidence:
        evidence.setdefault((e.article_id, e.char_start), e)
    return sources, added, evidence


def merged_ids(old: StrikeEvent, new: StrikeEvent) -> list[str]:
    """The report ids ``old`` stands for once ``new`` is folded into it: its own ``merged_ids``, then
    ``new``'s id and ``merged_ids``, in order, without repeats and without ``old.event_id``."""
    ids = [*old.merged_ids, new.event_id, *new.merged_ids]
    return [i for i in dict.fromkeys(ids) if i != old.event_id]


def merge_strikes(old: StrikeEvent, new: StrikeEvent, *, bump: bool = True) -> StrikeEvent:
    """Fold ``new`` into ``old`` (old keeps its id). Sources and evidence are unioned; the version
    grows when a new article adds a source. Missing fields are filled; the more specific weapon wins.

    ``bump`` is a merge across articles (the merge agent, ``warwire extract``): ``new``'s id joins
    ``merged_ids``. Without it (the sentences of one article) the version stays and no id is kept:
    a sentence's report is never published, and the article's statements name the merged id."""
    sources, added, evidence = union_reports(old, new)
    locations = list(old.locations) + [
        p for p in new.locations if all(p.name != q.name for q in old.locations)
    ]
    targets = list(old.targets) + [t for t in new.targets if all(t.name != u.name for u in old.targets)]
    q_old, q_new = old.quantities, new.quantities
    weapon = old.weapon
    if new.weapon and (weapon is None or len(new.weapon) > len(weapon)):
        weapon = new.weapon
    platform = old.launch_platform
    if new.launch_platform and (platform is None or (platform.count is None and new.launch_platform.count)):
        platform = new.launch_platform
    independent = {s.source for s in sources.values() if not s.syndicated}
    precision_rank = {"day": 0, "week": 1, "month": 2, "year": 3, None: 4}
    when, precision = old.occurred_on, old.time_precision
    if precision_rank[new.time_precision] < precision_rank[precision]:
        when, precision = new.occurred_on, new.time_precision
    return old.model_copy(
        update={
            "version": old.version + (1 if bump and added else 0),
            "actor": old.actor or new.actor,
            "weapon": weapon,
            "launch_platform": platform,
            "launch_location": old.launch_location or new.launch_location,
            "locations": locations,
            "targets": targets,
            "quantities": Quantities(
                munitions=q_old.munitions or q_new.munitions,
                strikes=q_old.strikes or q_new.strikes,
                platforms=q_old.platforms or q_new.platforms,
                targets=q_old.targets or q_new.targets,
                killed=max(filter(None, [q_old.killed, q_new.killed]), default=None),
                injured=max(filter(None, [q_old.injured, q_new.injured]), default=None),
            ),
            "bombing_kind": old.bombing_kind or new.bombing_kind,
            "occurred_on": when,
            "time_precision": precision,
            "claim": old.claim if old.claim.by else new.claim,
            "evidence": list(evidence.values()),
            "sources": list(sources.values()),
            "merged_ids": merged_ids(old, new) if bump else old.merged_ids,
            "confidence": round(
                min(0.99, max(old.confidence, new.confidence) + 0.05 * (len(independent) - 1)), 2
            ),
            "ingested_at": min(filter(None, [old.ingested_at, new.ingested_at]), default=None),
            "extracted_at": new.extracted_at,
        }
    )


@dataclass
class Block:
    """The events of one block. ``add`` returns the event a candidate became part of and whether it
    changed (a new event, or a new source for an existing one)."""

    events: list[StrikeEvent] = field(default_factory=list)

    def add(self, candidate: StrikeEvent, *, bump: bool = True) -> tuple[StrikeEvent, bool]:
        """Returns (event, grew): grew is True for a new event or one that gained a source article.
        A report already merged (a re-delivery) joins the event that holds its id, before any other
        event it is compatible with."""
        ids = (i for i, e in enumerate(self.events) if candidate.event_id in (e.event_id, *e.merged_ids))
        fits = (i for i, e in enumerate(self.events) if compatible(e, candidate))
        index = next(ids, None)
        if index is None:
            index = next(fits, None)
        if index is None:
            candidate = code_strike(candidate)  # the codes of a new event (shared.coding)
            self.events.append(candidate)
            return candidate, True
        existing = self.events[index]
        merged = code_strike(merge_strikes(existing, candidate, bump=bump))
        self.events[index] = merged
        return merged, {s.article_id for s in merged.sources} != {s.article_id for s in existing.sources}
