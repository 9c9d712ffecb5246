// warwire live page: the live feed over SSE and an offline map of geocoded events.
// No network beyond this API: the base map is the shipped Natural Earth 110m outline (world-atlas),
// drawn as SVG in an equirectangular projection. Untrusted text is only ever set with textContent.
"use strict";

const W = 1000, H = 500;
const MAX_ITEMS = 300;
const seen = new Set();          // "event:<id>:<version>" / "alert:<id>:<version>" already shown
const latest = new Map();        // event_id -> newest event document
const feed = document.getElementById("feed");
const points = document.getElementById("points");
const statusEl = document.getElementById("status");
const showStatements = document.getElementById("show-statements");

const project = (lon, lat) => [((lon + 180) / 360) * W, ((90 - lat) / 180) * H];

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}
function svg(tag, attrs) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

// --- base map: TopoJSON (quantised, delta-encoded arcs) to SVG paths -------------------------------
function decodeArcs(topo) {
  const [sx, sy] = topo.transform.scale, [tx, ty] = topo.transform.translate;
  return topo.arcs.map((arc) => {
    let x = 0, y = 0;
    return arc.map(([dx, dy]) => { x += dx; y += dy; return [x * sx + tx, y * sy + ty]; });
  });
}
function ringPath(arcs, ring) {
  const coords = [];
  for (const index of ring) {
    const arc = index < 0 ? arcs[~index].slice().reverse() : arcs[index];
    coords.push(...(coords.length ? arc.slice(1) : arc));
  }
  // A ring that crosses the antimeridian jumps by ~360 degrees: start a new sub-path there instead
  // of drawing a line across the whole map.
  let d = "";
  coords.forEach(([lon, lat], i) => {
    const jump = i > 0 && Math.abs(lon - coords[i - 1][0]) > 180;
    d += (i === 0 || jump ? "M" : "L") + project(lon, lat).map((v) => v.toFixed(1)).join(",");
  });
  return d + "Z";
}
async function drawBaseMap() {
  const topo = await (await fetch("/static/vendor/countries-110m.json")).json();
  const arcs = decodeArcs(topo);
  const layer = document.getElementById("countries");
  for (const geom of topo.objects.countries.geometries) {
    const polygons = geom.type === "Polygon" ? [geom.arcs] : geom.type === "MultiPolygon" ? geom.arcs : [];
    const d = polygons.map((poly) => poly.map((ring) => ringPath(arcs, ring)).join("")).join("");
    const path = svg("path", { d, class: "country" });
    const title = svg("title", {});
    title.textContent = (geom.properties && geom.properties.name) || "";
    path.appendChild(title);
    layer.appendChild(path);
  }
}

// --- feed and points ---------------------------------------------------------------------------------
function eventPlaces(ev) {
  return ev.event_type === "strike" ? ev.locations || [] : (ev.about && ev.about.places) || [];
}
function headline(kind, doc) {
  if (kind === "alert") return doc.title;
  if (doc.event_type === "strike") {
    const who = doc.actor ? doc.actor.name : "Unknown actor";
    const what = doc.strike_type.replace(/_/g, " ");
    const where = eventPlaces(doc).map((p) => p.name).slice(0, 3).join(", ");
    return `${who}: ${what}${doc.weapon ? " (" + doc.weapon + ")" : ""}${where ? " — " + where : ""}`;
  }
  return `${doc.speaker.name}: ${doc.content}`;
}

function addItem(kind, doc, fresh) {
  const id = kind === "alert" ? doc.alert_id : doc.event_id;
  const stamp = `${kind}:${id}:${doc.version}`;
  if (seen.has(stamp)) return;
  seen.add(stamp);
  const old = feed.querySelector(`li[data-key="${CSS.escape(kind + ":" + id)}"]`);
  if (old) old.remove();
  const li = el("li", { "data-key": `${kind}:${id}`, "data-kind": kind, "data-id": id });
  if (kind === "event") li.dataset.eventType = doc.event_type;
  const badgeClass = kind === "alert" ? (doc.severity === "critical" ? "alert critical" : "alert") : doc.event_type;
  li.appendChild(el("span", { class: `badge ${badgeClass}` }, kind === "alert" ? `${doc.severity} alert` : doc.event_type));
  li.appendChild(el("span", { class: "headline" }, headline(kind, doc)));
  const when = kind === "alert" ? doc.raised_at : doc.occurred_on;
  const sources = kind === "alert" ? doc.source_count : (doc.sources || []).length;
  li.appendChild(el("div", { class: "meta" },
    `${when || "date unknown"} · ${sources} source${sources === 1 ? "" : "s"}${doc.version > 1 ? " · v" + doc.version : ""}`));
  if (fresh) li.classList.add("fresh");
  li.addEventListener("click", () => (kind === "alert" ? showAlert(doc) : showEvent(id)));
  feed.insertBefore(li, feed.firstChild);
  while (feed.children.length > MAX_ITEMS) feed.lastChild.remove();
  applyFilter(li);
  if (kind === "event") { latest.set(id, doc); drawPoints(doc); }
}

function drawPoints(ev) {
  for (const old of points.querySelectorAll(`[data-id="${CSS.escape(ev.event_id)}"]`)) old.remove();
  for (const place of eventPlaces(ev)) {
    if (place.lat == null || place.lon == null) continue;
    const [x, y] = project(place.lon, place.lat);
    const precision = place.geo_precision || 3;
    const r = { 1: 4, 2: 7, 3: 11 }[precision];
    const c = svg("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r, "data-r": r, "data-id": ev.event_id,
      class: `pt p${precision} ${ev.event_type}` });
    const title = svg("title", {});
    title.textContent = `${place.name} (precision ${precision})`;
    c.appendChild(title);
    c.addEventListener("click", () => showEvent(ev.event_id));
    points.appendChild(c);
  }
  if (!userMoved) fitView();
}

// Fit the view to the geocoded events (at least 30 x 15 degrees), or the world when there are none.
const mapEl = document.getElementById("map");
let userMoved = false;
function setView(x, y, width) {
  mapEl.setAttribute("viewBox", `${x.toFixed(1)} ${y.toFixed(1)} ${width.toFixed(1)} ${(width / 2).toFixed(1)}`);
  // Markers keep their on-screen size whatever the zoom.
  for (const c of points.querySelectorAll("circle")) c.setAttribute("r", (+c.dataset.r * width / W).toFixed(2));
}
function fitView() {
  const circles = [...points.querySelectorAll("circle")];
  if (!circles.length) { setView(0, 0, W); return; }
  const xs = circles.map((c) => +c.getAttribute("cx")), ys = circles.map((c) => +c.getAttribute("cy"));
  let [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const minW = (30 / 360) * W, minH = (15 / 180) * H;
  const w = Math.max(x1 - x0, minW) * 1.6, h = Math.max(y1 - y0, minH, w / 2) * 1.2;
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  const width = Math.max(w, h * 2);
  setView(cx - width / 2, cy - width / 4, width);
}
document.getElementById("world").addEventListener("click", () => {
  userMoved = !userMoved;
  document.getElementById("world").textContent = userMoved ? "fit events" : "whole world";
  if (userMoved) setView(0, 0, W); else fitView();
});

function applyFilter(li) {
  li.hidden = li.dataset.eventType === "statement" && !showStatements.checked;
}
showStatements.addEventListener("change", () => feed.querySelectorAll("li").forEach(applyFilter));

// --- detail panel ------------------------------------------------------------------------------------
const detail = document.getElementById("detail");
const detailBody = document.getElementById("detail-body");
document.getElementById("close-detail").addEventListener("click", () => { detail.hidden = true; select(null); });

function select(id) {
  document.querySelectorAll(".selected").forEach((n) => n.classList.remove("selected"));
  if (!id) return;
  document.querySelectorAll(`[data-id="${CSS.escape(id)}"]`).forEach((n) => n.classList.add("selected"));
}
function section(title, items, render) {
  const box = el("section");
  box.appendChild(el("h4", {}, title));
  const list = el("ul");
  for (const item of items) list.appendChild(render(item));
  box.appendChild(list);
  return box;
}
function sourceItem(s) {
  const li = el("li");
  if (s.url && /^https?:\/\//.test(s.url)) {
    li.appendChild(el("a", { href: s.url, rel: "noopener noreferrer", target: "_blank" }, s.source));
  } else {
    li.appendChild(document.createTextNode(s.source));
  }
  li.appendChild(el("span", { class: "meta" }, s.published_at ? ` · ${s.published_at}` : ""));
  if (s.syndicated) li.appendChild(el("span", { class: "meta" }, " · syndicated copy"));
  return li;
}

async function showEvent(id) {
  const response = await fetch(`/v1/events/${encodeURIComponent(id)}`);
  if (!response.ok) return;
  const ev = await response.json();
  detailBody.replaceChildren();
  detailBody.dataset.eventId = id;
  detailBody.appendChild(el("h3", {}, headline("event", ev)));
  const facts = [ev.event_type === "strike" ? ev.strike_type.replace(/_/g, " ") : ev.statement_type,
    ev.occurred_on ? `on ${ev.occurred_on}` : "", `confidence ${ev.confidence}`, `version ${ev.version}`];
  if (ev.launch_platform) facts.push(`from ${ev.launch_platform.kind}${ev.launch_location ? " in " + ev.launch_location.name : ""}`);
  if (ev.quantities && ev.quantities.munitions) facts.push(`${ev.quantities.munitions} munitions`);
  if (ev.claim && ev.claim.by) facts.push(`${ev.claim.status} by ${ev.claim.by}`);
  detailBody.appendChild(el("p", { class: "meta" }, facts.filter(Boolean).join(" · ")));
  const evidence = el("section", { class: "evidence" });
  evidence.appendChild(el("h4", {}, "Evidence"));
  for (const e of ev.evidence || []) evidence.appendChild(el("blockquote", {}, e.sentence));
  detailBody.appendChild(evidence);
  detailBody.appendChild(section("Places", eventPlaces(ev), (p) =>
    el("li", {}, `${p.name}${p.admin1 ? ", " + p.admin1 : ""}${p.country_code ? " (" + p.country_code + ")" : ""}` +
      (p.geo_precision ? ` · precision ${p.geo_precision}` : " · not geocoded"))));
  detailBody.appendChild(section("Sources", ev.sources || [], sourceItem));
  detailBody.appendChild(section("History", ev.history || [], (h) =>
    el("li", {}, `v${h.version} stored ${h.stored_at} · ${h.source_count} source(s)`)));
  detail.hidden = false;
  select(id);
}

function showAlert(al) {
  detailBody.replaceChildren();
  detailBody.appendChild(el("h3", {}, al.title));
  detailBody.appendChild(el("p", { class: "meta" }, `${al.kind} · ${al.severity} · ${al.status} · ${al.source_count} source(s)`));
  detailBody.appendChild(el("p", {}, al.summary));
  const evidence = el("section", { class: "evidence" });
  evidence.appendChild(el("h4", {}, "Evidence"));
  for (const e of al.evidence || []) evidence.appendChild(el("blockquote", {}, e.sentence));
  detailBody.appendChild(evidence);
  detailBody.appendChild(section("Events", al.event_ids || [], (id) => {
    const li = el("li");
    const a = el("a", { href: "#" }, id);
    a.addEventListener("click", (e) => { e.preventDefault(); showEvent(id); });
    li.appendChild(a);
    return li;
  }));
  detail.hidden = false;
  select(null);
}

// --- start: open the stream first, then load history, so nothing falls between the two ------------
function connect() {
  const source = new EventSource("/v1/stream");
  source.addEventListener("open", () => { statusEl.textContent = "live"; statusEl.className = "status live"; });
  source.addEventListener("error", () => { statusEl.textContent = "reconnecting…"; statusEl.className = "status down"; });
  source.addEventListener("event", (m) => addItem("event", JSON.parse(m.data), true));
  source.addEventListener("alert", (m) => addItem("alert", JSON.parse(m.data), true));
}
async function loadRecent() {
  const [events, alerts] = await Promise.all([
    fetch("/v1/events?limit=100").then((r) => r.json()),
    fetch("/v1/alerts?limit=50").then((r) => r.json()),
  ]);
  const docs = [...events.items.map((d) => ["event", d]), ...alerts.items.map((d) => ["alert", d])];
  // Oldest first, so the newest ends on top.
  docs.reverse();
  for (const [kind, doc] of docs) addItem(kind, doc, false);
}

drawBaseMap().catch((e) => console.error("base map", e));
connect();
loadRecent().catch((e) => console.error("recent", e));
