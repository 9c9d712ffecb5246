"""The merge stages' state, in rows of one block and one day.

Reports merge only within a block (strikes: actor and class; statements: speaker and type) and only
when their days are at most one apart, so a report needs the rows of its day and the two days beside
it, never its block's whole history: one actor's whole war is not one row that every message reads.

- A row holds the events of ``block`` whose ``occurred_on`` is one day (undated events: one row of
  their own; they never merge, but a re-delivery must still find them).
- A row keeps at most ``row_max`` events. An event pushed out keeps its ids in the row's ``evicted``
  map, so a re-delivered report of it is recognised and never published again as a new event.
- A block's index row lists its days; rows more than ``retain_days`` older than the block's newest day
  are deleted, so state stays bounded while a block keeps reporting. The report ids of a deleted row
  move to the block's ``gone`` row (at most ``evicted_max``), so a re-delivered report of it is not
  published again as a new event either (a redelivery after a crash upstream does that: extraction
  re-publishes the candidates of work it had not committed).

The store is any mutable mapping of JSON values: the changelog-backed Faust table in the service, a
dict in tests. A merge stage calls :meth:`DayRows.fold`, publishes the event it returns, and only then
saves (a crash in between re-publishes the same version, never loses it).
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Generic, Protocol, TypeVar


class Report(Protocol):
    event_id: str
    occurred_on: date | None

    def model_dump_json(self) -> str: ...


R = TypeVar("R", bound=Report)


class Folder(Protocol[R]):
    """What merges reports of one block: services.extract.merge.Block, statements.StatementBlock."""

    events: list[R]

    def add(self, candidate: R) -> tuple[R, bool]: ...


@dataclass
class Fold(Generic[R]):
    """A candidate folded in: the event to publish, then ``save`` to record it."""

    event: R
    save: Callable[[], None]


UNDATED = "undated"
GONE = "gone"  # the block's row of report ids whose day rows fell out of the retention window


def day_key(day: date | None) -> str:
    return day.isoformat() if day is not None else UNDATED


@dataclass
class Loaded(Generic[R]):
    """The rows a candidate can touch: their events, flattened, and the ids evicted from them."""

    block: str
    events: list[R]
    evicted: dict[str, str]
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)  # day key -> the row as stored
    gone: dict[str, str] = field(default_factory=dict)  # the block's ids of rows out of the window
    # id(event) -> (event, its JSON as stored): an event the fold left as it was (folders replace an
    # event they change, never change it in place) is saved as it was read, not encoded again.
    stored: dict[int, tuple[R, str]] = field(default_factory=dict)

    def seen(self, report_id: str) -> bool:
        return report_id in self.evicted or report_id in self.gone

    def json_of(self, event: R) -> str:
        known = self.stored.get(id(event))
        return known[1] if known is not None and known[0] is event else event.model_dump_json()


@dataclass
class DayRows(Generic[R]):
    store: MutableMapping[str, Any]
    parse: Callable[[str], R]
    ids_of: Callable[[R], list[str]]  # every report id an event stands for (its own and merged ones)
    row_max: int = 200
    evicted_max: int = 5000
    retain_days: int = 60

    def fold(self, block: str, candidate: R, folder: Callable[[list[R]], Folder[R]]) -> Fold[R] | None:
        """The event ``candidate`` becomes part of, or None when it adds nothing (a re-delivery, also
        of an event evicted from a full row)."""
        loaded = self.load(block, candidate.occurred_on)
        if loaded.seen(candidate.event_id):
            return None
        merger = folder(loaded.events)
        event, grew = merger.add(candidate)
        if not grew:
            return None
        return Fold(event, lambda: self.save(loaded, merger.events))

    def load(self, block: str, day: date | None) -> Loaded[R]:
        days = [UNDATED] if day is None else [day_key(day + timedelta(days=d)) for d in (-1, 0, 1)]
        loaded: Loaded[R] = Loaded(block, [], {})
        for d in days:
            row = self.store.get(f"{block}|{d}")
            if not row:
                continue
            loaded.rows[d] = row
            for raw in row.get("events", []):
                event = self.parse(raw)
                loaded.events.append(event)
                loaded.stored[id(event)] = (event, raw)
            loaded.evicted.update(row.get("evicted", {}))
        loaded.gone = self.store.get(f"{block}|{GONE}") or {}  # read, not copied: up to evicted_max ids
        return loaded

    def save(self, loaded: Loaded[R], events: list[R]) -> None:
        """Write back the rows of ``events`` (the loaded ones after the fold): each event in the row of
        its day now, rows over ``row_max`` evicting their oldest, then the block's index."""
        by_day: dict[str, list[R]] = {}
        for e in events:
            by_day.setdefault(day_key(e.occurred_on), []).append(e)
        for d in set(loaded.rows) | set(by_day):
            kept = by_day.get(d, [])
            evicted = dict(loaded.rows.get(d, {}).get("evicted", {}))
            if len(kept) > self.row_max:
                for gone in kept[: len(kept) - self.row_max]:
                    evicted.update(dict.fromkeys(self.ids_of(gone), gone.event_id))
                kept = kept[len(kept) - self.row_max :]
            if len(evicted) > self.evicted_max:
                evicted = dict(list(evicted.items())[len(evicted) - self.evicted_max :])
            key = f"{loaded.block}|{d}"
            if kept or evicted:
                self.store[key] = {"events": [loaded.json_of(e) for e in kept], "evicted": evicted}
            elif key in self.store:
                del self.store[key]
        self._index(loaded.block, set(by_day))

    def _index(self, block: str, days: set[str]) -> None:
        """Record the block's days and drop the rows that fell out of the retention window."""
        key = f"{block}|days"
        known = set(self.store.get(key) or []) | days
        dated = sorted(d for d in known if d != UNDATED)
        if dated:
            floor = (date.fromisoformat(dated[-1]) - timedelta(days=self.retain_days)).isoformat()
            gone: dict[str, str] = {}
            for d in [d for d in dated if d < floor]:
                known.discard(d)
                row = self.store.get(f"{block}|{d}")
                if row:
                    gone.update(row.get("evicted", {}))
                    for raw in row.get("events", []):
                        event = self.parse(raw)
                        gone.update(dict.fromkeys(self.ids_of(event), event.event_id))
                    del self.store[f"{block}|{d}"]
            if gone:
                self._bury(block, gone)
        listed = sorted(known)
        if listed != sorted(self.store.get(key) or []):
            self.store[key] = listed

    def _bury(self, block: str, gone: dict[str, str]) -> None:
        """Keep the ids of reports whose rows fell out of the window (the newest ``evicted_max``)."""
        buried = {**(self.store.get(f"{block}|{GONE}") or {}), **gone}
        if len(buried) > self.evicted_max:
            buried = dict(list(buried.items())[len(buried) - self.evicted_max :])
        self.store[f"{block}|{GONE}"] = buried
