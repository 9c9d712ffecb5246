// warwire live page: filters kept in the URL, a pinned alert lane, the event feed, a Leaflet map over the
// vendored country polygons (no tile server: nothing leaves this API's origin), and a timeline whose
// brush narrows the map and the feed. Live updates come over SSE; after an outage the page catches up
// from the listings. Untrusted text is only ever set with textContent.
"use strict";

const MAX_FEED = 500;
const LABEL_ZOOM = 6;          // place labels from this zoom on
const ANNOUNCE_EVERY_MS = 5000; // the aria-live summary is spoken at most this often
const $ = (id) => document.getElementById(id);

// --- vocabulary ------------------------------------------------------------------------------------
const STRIKE_TYPES = ["air_strike", "missile_strike", "drone_strike", "shelling", "ground_assault", "armed_clash",
  "bombing", "other"];
const ICON = { // 20x20 glyphs, one per strike type (and statements)
  air_strike: "M10 1l1.6 6.2L19 10v2l-7.4-1.2-.8 4.8 2.6 2v1.4L10 18l-3.4 1v-1.4l2.6-2-.8-4.8L1 12v-2l7.4-2.8z",
  missile_strike: "M18 2l-1.5 6.5L8 17l-2-2-2 3-2-2 3-2-2-2 8.5-8.5zM5 17l-3 1 1-3z",
  drone_strike: "M2 2h6v2.5h4V2h6v6h-2.5v4H18v6h-6v-2.5H8V18H2v-6h2.5V8H2zm5 5v6h6V7z",
  shelling: "M10 1l2 5 5-2-2 5 4 1-4 2 2 5-5-2-2 5-2-5-5 2 2-5-4-2 4-1-2-5 5 2z",
  ground_assault: "M1 15L10 3l9 12h-6l-3-4-3 4zm0 3h18v1H1z",
  armed_clash: "M2.5 4.5l2-2L10 8l5.5-5.5 2 2L12 10l5.5 5.5-2 2L10 12l-5.5 5.5-2-2L8 10z",
  bombing: "M9 6.5a6.2 6.2 0 1 0 .01 0zM12 6l3-3 1.5 1.5-3 3zM16.5 1.5l1 1-1 1-1-1z",
  other: "M10 1.5l8.5 8.5-8.5 8.5L1.5 10z",
  statement: "M2 3h16v10H9l-5 4.5V13H2z",
};
const SEVERITY = {
  low: { label: "Low", icon: "M10 3a7 7 0 1 0 .01 0z", rank: 0 },
  medium: { label: "Medium", icon: "M10 2l9 16H1z", rank: 1 },
  high: { label: "High", icon: "M10 1l9 9-9 9-9-9z", rank: 2 },
  critical: { label: "Critical", icon: "M6.5 1h7L19 6.5v7L13.5 19h-7L1 13.5v-7z", rank: 3 },
};
const KINDS = {
  new_launch_platform: "New launch platform", ground_offensive: "Ground offensive", new_actor: "New actor",
  geographic_expansion: "Geographic expansion", tempo_spike: "Tempo spike", long_range_strike: "Long-range strike",
  custom: "Custom rule",
};
const words = (s) => (s || "").replace(/_/g, " ");
const kindName = (k) => KINDS[k] || words(k).replace(/^./, (c) => c.toUpperCase());
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
function humanDate(iso) { // "2015-10-07" -> "7 Oct 2015"
  if (!iso) return "date unknown";
  const [y, m, d] = iso.slice(0, 10).split("-").map(Number);
  return `${d} ${MONTHS[m - 1]} ${y}`;
}
function humanTime(iso) { // an ISO date-time -> "7 Oct 2015, 14:05 UTC"
  if (!iso) return "time unknown";
  const t = new Date(iso);
  if (isNaN(t)) return iso;
  const hh = String(t.getUTCHours()).padStart(2, "0"), mm = String(t.getUTCMinutes()).padStart(2, "0");
  return `${humanDate(t.toISOString())}, ${hh}:${mm} UTC`;
}
const dayOf = (iso) => (iso ? iso.slice(0, 10) : null);
const DAY_MS = 86400000;
const dayNum = (day) => Math.round(Date.parse(day + "T00:00:00Z") / DAY_MS);
const numDay = (n) => new Date(n * DAY_MS).toISOString().slice(0, 10);

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}
const SVGNS = "http://www.w3.org/2000/svg";
function svgEl(tag, attrs = {}) {
  const node = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}
function glyph(path, viewBox = "0 0 20 20") {
  const s = svgEl("svg", { viewBox, "aria-hidden": "true", focusable: "false" });
  s.appendChild(svgEl("path", { d: path }));
  return s;
}
const glyphHTML = (path) => `<svg viewBox="0 0 20 20" aria-hidden="true" focusable="false"><path d="${path}"/></svg>`;
const cssVar = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
const colour = (t) => cssVar(`--t-${t}`) || cssVar("--statement");
const typeOf = (ev) => (ev.event_type === "strike" ? ev.strike_type || "other" : "statement");

// --- state -----------------------------------------------------------------------------------------
const events = new Map();   // event_id -> newest document
const alerts = new Map();   // alert_id -> newest document
const order = new Map();    // event_id -> arrival rank (higher: newer; the API's first-stored order)
let nextRank = 1;
let brush = null;           // [fromDay, toDay] (inclusive, "YYYY-MM-DD") or null
let selectedId = null;
let lastEventId = null;     // the SSE id of the last message received
let serverSkewMs = 0;       // server clock - this clock, from the Date header of the last answer
let downSince = null;       // server time (ms) from which a catch-up must re-read, while the stream is down

// --- filters: the API's own parameter names, kept in the query string --------------------------------
const FILTERS = ["country", "actor", "type", "strike_type", "min_confidence", "since", "until", "min_severity"];
const form = $("filters");
function readURL() {
  const q = new URLSearchParams(location.search);
  for (const name of FILTERS) form.elements[name].value = q.get(name) || "";
  const b = q.get("range");
  brush = b && /^\d{4}-\d\d-\d\d\.\.\d{4}-\d\d-\d\d$/.test(b) ? b.split("..") : null;
  return q.get("event");
}
function filters() {
  const f = {};
  for (const name of FILTERS) {
    let v = form.elements[name].value.trim();
    if (name === "country") v = /^[A-Za-z]{2}$/.test(v) ? v.toUpperCase() : "";
    if (name === "min_confidence" && v !== "" && !(+v >= 0 && +v <= 1)) v = "";
    if (v) f[name] = v;
  }
  if (f.since && f.until && f.since > f.until) delete f.until;
  return f;
}
// On a phone the filters fold away (their summary counts the active ones); elsewhere they stay open.
const filterBox = $("filter-box");
if (matchMedia("(max-width: 700px)").matches && !location.search.match(/(country|actor|type|confidence|since|until|severity)=/)) {
  filterBox.open = false;
}
function writeURL() {
  const n = Object.keys(filters()).length + (brush ? 1 : 0);
  $("filter-count").textContent = n ? `(${n} active)` : "";
  const q = new URLSearchParams(filters());
  if (brush) q.set("range", brush.join(".."));
  if (selectedId) q.set("event", selectedId);
  const s = q.toString();
  history.replaceState(null, "", s ? "?" + s : location.pathname);
}
function eventQuery(extra = {}) {
  const f = filters(), q = new URLSearchParams();
  for (const k of ["country", "actor", "type", "strike_type", "min_confidence", "since", "until"]) if (f[k]) q.set(k, f[k]);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return q;
}
function alertQuery(extra = {}) {
  const f = filters(), q = new URLSearchParams();
  if (f.country) q.set("theater", f.country);
  if (f.min_severity) q.set("min_severity", f.min_severity);
  if (f.since) q.set("since", f.since + "T00:00:00Z");
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return q;
}
// The same filters, client-side, for live messages and for what is already loaded.
function eventMatches(ev, withBrush = true) {
  const f = filters();
  if (f.type && ev.event_type !== f.type) return false;
  if (f.strike_type && ev.strike_type !== f.strike_type) return false;
  if (f.min_confidence && ev.confidence < +f.min_confidence) return false;
  if (f.country && countryOf(ev) !== f.country) return false;
  if (f.actor) {
    const who = ev.event_type === "strike" ? ev.actor && ev.actor.name : ev.speaker && ev.speaker.name;
    if (!who || who.trim().toLowerCase() !== f.actor.toLowerCase()) return false;
  }
  const day = ev.occurred_on;
  if ((f.since || f.until) && !day) return false;
  if (f.since && day < f.since) return false;
  if (f.until && day > f.until) return false;
  if (withBrush && brush && (!day || day < brush[0] || day > brush[1])) return false;
  return true;
}
function alertMatches(al, withBrush = true) {
  const f = filters();
  if (f.country && al.theater !== f.country) return false;
  if (f.min_severity && SEVERITY[al.severity].rank < SEVERITY[f.min_severity].rank) return false;
  const day = dayOf(al.raised_at);
  if (f.since && day < f.since) return false;
  if (f.until && day > f.until) return false;
  if (withBrush && brush && (day < brush[0] || day > brush[1])) return false;
  return true;
}

// --- the API: every fetch goes through here; failures never escape as uncaught errors -----------------
async function api(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  const date = response.headers.get("Date");
  if (date) serverSkewMs = Date.parse(date) - Date.now();
  if (!response.ok) throw Object.assign(new Error(`${path}: HTTP ${response.status}`), { status: response.status });
  return response.json();
}
const serverNow = () => Date.now() + serverSkewMs;

// --- places ----------------------------------------------------------------------------------------
function places(ev) {
  return ev.event_type === "strike" ? ev.locations || [] : (ev.about && ev.about.places) || [];
}
// As the store files an event under a country (the `country` filter): its first place with a country code.
function countryOf(ev) {
  for (const p of places(ev)) if (p.country_code) return p.country_code;
  return null;
}
function theaterOf(ev) {
  for (const p of places(ev)) if (p.country_code) return p.country_code;
  for (const t of ev.targets || []) if (t.country) return t.country;
  return null;
}
function headline(ev) {
  if (ev.event_type === "strike") {
    const who = ev.actor ? ev.actor.name : "Unknown actor";
    const where = places(ev).map((p) => p.name).slice(0, 3).join(", ");
    return `${who}: ${words(ev.strike_type)}${ev.weapon ? " (" + ev.weapon + ")" : ""}${where ? " — " + where : ""}`;
  }
  return `${ev.speaker.name}: ${ev.content}`;
}

// --- ingest of documents -----------------------------------------------------------------------------
let pendingNew = { events: 0, alerts: 0 };
function addEvent(ev, { live = false } = {}) {
  const old = events.get(ev.event_id);
  if (old && old.version >= ev.version) return false;
  events.set(ev.event_id, ev);
  if (!order.has(ev.event_id)) order.set(ev.event_id, nextRank++);
  if (live) { fresh.add("e:" + ev.event_id); if (!old && eventMatches(ev)) pendingNew.events++; }
  for (const al of alerts.values()) if ((al.event_ids || []).includes(ev.event_id)) placeAlertsLater();
  return true;
}
function addAlert(al, { live = false } = {}) {
  const old = alerts.get(al.alert_id);
  if (old && old.version >= al.version) return false;
  alerts.set(al.alert_id, al);
  if (live) { fresh.add("a:" + al.alert_id); if (!old && alertMatches(al)) pendingNew.alerts++; }
  return true;
}
const fresh = new Set();
// Adds a newest-first page of events stored after everything known (the stream, a catch-up).
function addEventPage(items, { live = false } = {}) {
  const known = [...order.values()];
  const top = known.length ? Math.max(...known) : 0;
  // Items new to the page get ranks above everything known, newest first as the API orders them.
  const newcomers = items.filter((d) => !order.has(d.event_id));
  newcomers.forEach((d, i) => order.set(d.event_id, top + newcomers.length - i));
  nextRank = Math.max(nextRank, top + newcomers.length + 1);
  let changed = false;
  for (const d of items) changed = addEvent(d, { live }) || changed;
  return changed;
}

// Newest first in the API's order (when each event was first stored): a listing gives that order, and
// an event new to the page over the stream or in a catch-up was stored after everything known. An
// update keeps its place, as in the listing; so the order after a reload is the order seen live.
const newestFirst = (a, b) => order.get(b.event_id) - order.get(a.event_id);

// --- rendering (batched: at most one pass every RENDER_MS, however fast messages come) ------------------
const RENDER_MS = 200;
let renderQueued = false, lastRender = 0;
function render() {
  if (renderQueued) return;
  renderQueued = true;
  setTimeout(() => { renderQueued = false; lastRender = Date.now(); renderAll(); },
    Math.max(0, lastRender + RENDER_MS - Date.now()));
}
function renderAll() {
  const shownEvents = [...events.values()].filter((e) => eventMatches(e))
    .sort(newestFirst).slice(0, MAX_FEED);
  const shownAlerts = [...alerts.values()].filter((a) => alertMatches(a))
    .sort((a, b) => (b.raised_at || "").localeCompare(a.raised_at || "") || b.alert_id.localeCompare(a.alert_id));
  renderList($("feed"), shownEvents.map((e) => eventItem(e)));
  renderList($("alerts"), shownAlerts.map((a) => alertItem(a)));
  fresh.clear();
  const filtered = Object.keys(filters()).length > 0 || brush;
  $("feed-empty").hidden = shownEvents.length > 0;
  $("feed-empty").textContent = filtered ? "No events match these filters." :
    statusState === "live" ? "No events yet: new ones appear here as they are stored." : "Waiting for events…";
  $("alerts-empty").hidden = shownAlerts.length > 0;
  $("feed-count").textContent = `${shownEvents.length}`;
  $("alert-count").textContent = `${shownAlerts.length}`;
  drawMap(shownEvents, shownAlerts);
  drawTimeline();
  announce();
}

// Reuses one <li> per document (so focus and selection survive) and moves only what is out of place.
const items = new Map();
function renderList(list, nodes) {
  const wanted = new Set(nodes);
  for (const child of [...list.children]) if (!wanted.has(child)) child.remove();
  nodes.forEach((node, i) => { if (list.children[i] !== node) list.insertBefore(node, list.children[i] || null); });
}
function itemFor(key, build, stamp) {
  let li = items.get(key);
  if (!li) {
    li = el("li", { tabindex: "0", "data-key": key });
    li.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); li.click(); } });
    items.set(key, li);
  }
  if (li.dataset.stamp !== stamp) { li.replaceChildren(); build(li); li.dataset.stamp = stamp; }
  li.classList.toggle("fresh", fresh.has(key));
  return li;
}
function chip(text, cls, title) { return el("span", { class: `chip ${cls || ""}`, title }, text); }
function confidenceChip(c) {
  const cls = c >= 0.75 ? "conf-high" : c >= 0.5 ? "conf-mid" : "conf-low";
  return chip(`conf ${(+c).toFixed(2)}`, cls, "extraction confidence");
}
function eventItem(ev) {
  const key = "e:" + ev.event_id;
  return itemFor(key, (li) => {
    li.dataset.kind = "event"; li.dataset.id = ev.event_id; li.dataset.eventType = ev.event_type;
    li.dataset.day = ev.occurred_on || "";
    li.onclick = () => showEvent(ev.event_id);
    const t = typeOf(ev);
    const row = el("div", { class: "row" });
    const badge = el("span", { class: `badge t-${t}` });
    badge.append(glyph(ICON[t]), document.createTextNode(ev.event_type === "strike" ? words(t) : ev.statement_type || "statement"));
    row.append(badge, confidenceChip(ev.confidence));
    if (ev.event_type === "strike" && ev.claim) {
      const c = ev.claim;
      row.append(chip(c.by ? `${c.status} by ${c.by}` : c.status, `claim-${c.status}`, "claim status"));
    }
    li.append(row, el("div", { class: "headline" }, headline(ev)));
    const n = (ev.sources || []).length;
    li.append(el("div", { class: "meta" },
      `${humanDate(ev.occurred_on)} · ${n} source${n === 1 ? "" : "s"}${ev.version > 1 ? " · v" + ev.version : ""}`));
    li.setAttribute("aria-label", `${ev.event_type}, ${humanDate(ev.occurred_on)}: ${headline(ev)}`);
  }, `${ev.version}`);
}
function severityBadge(sev) {
  const s = SEVERITY[sev] || SEVERITY.low;
  const b = el("span", { class: `badge sev-${sev}` });
  b.append(glyph(s.icon), document.createTextNode(s.label));
  return b;
}
function alertItem(al) {
  return itemFor("a:" + al.alert_id, (li) => {
    li.dataset.kind = "alert"; li.dataset.id = al.alert_id; li.dataset.severity = al.severity;
    li.onclick = () => { showAlert(al.alert_id); flyToAlert(al); };
    const row = el("div", { class: "row" });
    row.append(severityBadge(al.severity), el("span", { class: "kind" }, kindName(al.kind)));
    if (al.status) row.append(chip(al.status, "", "alert status"));
    li.append(row, el("div", { class: "headline" }, al.title));
    li.append(el("div", { class: "meta" },
      `${humanTime(al.raised_at)}${al.theater ? " · " + al.theater : ""} · ${al.source_count} source${al.source_count === 1 ? "" : "s"}`));
    li.setAttribute("aria-label", `${SEVERITY[al.severity].label} alert, ${kindName(al.kind)}: ${al.title}`);
  }, `${al.version}`);
}

// aria-live: one short summary at most every few seconds, never one announcement per item.
let lastAnnounce = 0, announceTimer = null;
function announce() {
  if (!pendingNew.events && !pendingNew.alerts) return;
  const wait = lastAnnounce + ANNOUNCE_EVERY_MS - Date.now();
  if (wait > 0) { if (!announceTimer) announceTimer = setTimeout(() => { announceTimer = null; announce(); }, wait); return; }
  const parts = [];
  if (pendingNew.events) parts.push(`${pendingNew.events} new event${pendingNew.events === 1 ? "" : "s"}`);
  if (pendingNew.alerts) parts.push(`${pendingNew.alerts} new alert${pendingNew.alerts === 1 ? "" : "s"}`);
  $("announcer").textContent = parts.join(", ");
  pendingNew = { events: 0, alerts: 0 };
  lastAnnounce = Date.now();
}

// --- the map -----------------------------------------------------------------------------------------
const mapEl = $("map");
const map = L.map(mapEl, { worldCopyJump: true, minZoom: 1, maxZoom: 12, zoomSnap: 0.5, attributionControl: true,
  maxBounds: [[-85, -400], [85, 400]] }).setView([30, 20], 2);
map.attributionControl.setPrefix("").addAttribution("Natural Earth · Leaflet");
window.warwireMap = map; // for tests and the console
const countries = new Map(); // iso2 -> GeoJSON feature
const countryLayer = L.geoJSON(null, { interactive: false,
  style: { color: "#3a4858", weight: 0.8, fillColor: "#1c2631", fillOpacity: 1 } }).addTo(map);
const countryLabels = L.layerGroup().addTo(map);
const areaLayer = L.layerGroup().addTo(map);      // shaded countries and provinces
const arcLayer = L.layerGroup().addTo(map);       // launch -> target
const clusters = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40, spiderfyOnMaxZoom: true,
  iconCreateFunction: (c) => {
    const n = c.getChildCount(), size = n < 10 ? 34 : n < 100 ? 40 : 46;
    return L.divIcon({ html: `<span>${n}<i class="sr-only"> events here: press Enter to zoom in</i></span>`,
      className: "cluster", iconSize: [size, size] });
  } }).addTo(map);
// A cluster is a button too: Enter zooms into it (or fans it out at the last zoom), as a click does.
clusters.on("clusterkeydown", (e) => {
  const key = e.originalEvent && e.originalEvent.key;
  if (key !== "Enter" && key !== " ") return;
  e.originalEvent.preventDefault();
  if (map.getZoom() >= map.getMaxZoom()) e.layer.spiderfy(); else e.layer.zoomToBounds({ padding: [30, 30] });
});
const alertLayer = L.layerGroup().addTo(map);

async function loadCountries() {
  const fc = await api("/static/vendor/countries.geo.json");
  countryLayer.addData(fc);
  for (const f of fc.features) {
    if (!f.properties.iso2) continue;
    countries.set(f.properties.iso2, f);
    const [lon, lat] = f.properties.label;
    L.marker([lat, lon], { interactive: false, keyboard: false,
      icon: L.divIcon({ className: "country-lbl", html: "", iconSize: null }) })
      .on("add", (e) => { e.target.getElement().textContent = f.properties.name; }).addTo(countryLabels);
  }
  mapEl.dataset.countries = String(fc.features.length);
  render();
}
function syncZoomClass() {
  mapEl.classList.toggle("no-labels", map.getZoom() < LABEL_ZOOM);
  mapEl.dataset.zoom = String(map.getZoom());
}
map.on("zoomend", syncZoomClass);
syncZoomClass();

const markerIcon = (t, precision, selected) => L.divIcon({
  className: "", iconSize: [24, 24], iconAnchor: [12, 12],
  html: `<div class="mk t-${t} p${precision || 3}${selected ? " selected" : ""}">${glyphHTML(ICON[t])}</div>`,
});
function alertIcon(sev) {
  const s = SEVERITY[sev] || SEVERITY.low;
  const fill = cssVar(`--sev-${sev}`) || "#ffc24b";
  const ink = sev === "critical" ? "#fff" : "#000";
  // Anchored below-left of the icon, so that it sits beside the event's own marker rather than on it.
  return L.divIcon({ className: "", iconSize: [28, 28], iconAnchor: [-4, 30],
    html: `<div class="mk-alert sev-${sev}"><svg viewBox="0 0 20 20" aria-hidden="true"><path d="${s.icon}" fill="${fill}" ` +
      `stroke="#000" stroke-width="1"/><text x="10" y="14.5" text-anchor="middle" font-size="10" font-weight="700" fill="${ink}">!</text></svg></div>` });
}
function curve(a, b) { // a gentle arc from a to b ([lat, lon]), as a polyline
  const [la1, lo1] = a, [la2, lo2] = b;
  const mx = (lo1 + lo2) / 2, my = (la1 + la2) / 2, dx = lo2 - lo1, dy = la2 - la1;
  const cx = mx - dy * 0.25, cy = my + dx * 0.25;
  const pts = [];
  for (let i = 0; i <= 24; i++) {
    const t = i / 24, u = 1 - t;
    pts.push([u * u * la1 + 2 * u * t * cy + t * t * la2, u * u * lo1 + 2 * u * t * cx + t * t * lo2]);
  }
  return pts;
}
const labelPoint = (iso2) => { const f = countries.get(iso2); return f ? [f.properties.label[1], f.properties.label[0]] : null; };
function pointOf(place) {
  if (!place) return null;
  if (place.lat != null && place.lon != null) return [place.lat, place.lon];
  if (place.country_code && (place.kind === "country" || place.geo_precision === 3)) return labelPoint(place.country_code);
  return null;
}

// Leaflet makes markers focusable buttons (keyboard: true) but does not press them on Enter: do it here.
function pressable(marker, action, decorate, { click = true } = {}) {
  if (click) marker.on("click", action);
  marker.on("add", () => {
    const node = marker.getElement();
    if (!node) return;
    if (decorate) decorate(node);
    if (!node.warwirePressable) {
      node.warwirePressable = true;
      node.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); e.stopPropagation(); action(); }
      });
    }
  });
  return marker;
}

let userMoved = false; // once the user pans or zooms, new events no longer refit the map
for (const type of ["wheel", "pointerdown", "touchstart", "keydown"]) mapEl.addEventListener(type, () => { userMoved = true; }, { passive: true });
function drawMap(shownEvents, shownAlerts) {
  clusters.clearLayers(); areaLayer.clearLayers(); arcLayer.clearLayers(); alertLayer.clearLayers();
  const markers = [], bounds = [];
  let arcs = 0;
  const byCountry = new Map(); // iso2 -> events whose only place there is the country itself
  for (const ev of shownEvents) {
    const t = typeOf(ev);
    let located = false;
    for (const p of places(ev)) {
      if (p.lat != null && p.lon != null) {
        const m = L.marker([p.lat, p.lon], { icon: markerIcon(t, p.geo_precision, ev.event_id === selectedId),
          title: `${words(t)}: ${p.name}`, alt: `${words(t)} at ${p.name}`, keyboard: true, riseOnHover: true });
        pressable(m, () => showEvent(ev.event_id), (e) => { e.dataset.id = ev.event_id; e.classList.add("ev-marker"); });
        m.bindTooltip(p.name, { permanent: true, direction: "right", offset: [12, 0], className: "lbl" });
        markers.push(m); bounds.push([p.lat, p.lon]); located = true;
        if (p.geo_precision === 3 || p.geo_precision === 2) {
          areaLayer.addLayer(L.circle([p.lat, p.lon], { radius: p.geo_precision === 3 ? 60000 : 20000, interactive: false,
            color: colour(t), weight: 1, fillColor: colour(t), fillOpacity: 0.12, dashArray: "4 4" }));
        }
      }
    }
    // An event with no located place is shown as its theater (the country the store files it under, else
    // its targets'), shaded.
    const c = !located && theaterOf(ev);
    if (c && countries.has(c)) { if (!byCountry.has(c)) byCountry.set(c, []); byCountry.get(c).push(ev); }
    // Launch-to-target arcs: from where it was launched to each place hit (or the theater's label point).
    const from = ev.event_type === "strike" && pointOf(ev.launch_location);
    if (from) {
      const targets = places(ev).map(pointOf).filter(Boolean);
      if (!targets.length && theaterOf(ev)) { const p = labelPoint(theaterOf(ev)); if (p) targets.push(p); }
      for (const to of targets.slice(0, 4)) {
        const arc = L.polyline(curve(from, to), { color: colour(t), weight: 2, dashArray: "6 5", opacity: 0.9,
          className: "arc" });
        arc.on("click", () => showEvent(ev.event_id));
        arc.bindTooltip(`${ev.launch_location.name} → ${places(ev).map((p) => p.name).join(", ") || theaterOf(ev)}`, { sticky: true });
        arc.addTo(arcLayer); arcs++;
        const launch = L.circleMarker(from, { radius: 5, color: "#000", weight: 1, fillColor: colour(t), fillOpacity: 1 })
          .bindTooltip(`launched from ${ev.launch_location.name}`, { permanent: true, direction: "left", className: "lbl" });
        launch.on("click", () => showEvent(ev.event_id)).addTo(arcLayer);
        bounds.push(from, to);
      }
    }
  }
  // Country-level events: the country shaded (darker with more events), and a focusable count badge.
  for (const [iso2, evs] of byCountry) {
    const f = countries.get(iso2);
    const shade = evs.some((e) => e.event_type === "strike") ? colour("air_strike") : colour("statement");
    const area = L.geoJSON(f, { style: { color: shade, weight: 1.5, fillColor: shade,
      fillOpacity: Math.min(0.12 + 0.04 * evs.length, 0.3), className: "area" } });
    area.addTo(areaLayer);
    const label = labelPoint(iso2);
    const badge = L.marker(label, { keyboard: true, title: `${evs.length} country-level event(s) in ${f.properties.name}`,
      icon: L.divIcon({ className: "mk-area", iconSize: null, html: "" }) });
    pressable(badge, () => badge.openPopup(), (e) => { e.textContent = `${f.properties.name} · ${evs.length}`;
      e.dataset.country = iso2; e.classList.add("ev-area"); }, { click: false }); // bindPopup opens it on a click
    const popup = () => {
      const box = el("div");
      box.appendChild(el("strong", {}, `${f.properties.name}: country-level events`));
      for (const ev of evs.slice(0, 12)) {
        const b = el("button", { type: "button" }, `${humanDate(ev.occurred_on)} · ${headline(ev)}`);
        b.addEventListener("click", () => showEvent(ev.event_id));
        box.appendChild(b);
      }
      return box;
    };
    badge.bindPopup(popup); area.bindPopup(popup);
    badge.addTo(areaLayer);
    bounds.push(label);
  }
  clusters.addLayers(markers);
  // Alerts: at their first located event, else at their theater.
  for (const al of shownAlerts) {
    let at = null;
    for (const id of al.event_ids || []) {
      const ev = events.get(id);
      if (ev) at = places(ev).map(pointOf).find(Boolean) || null;
      if (at) break;
    }
    if (!at && al.theater) at = labelPoint(al.theater);
    if (!at) continue;
    const m = L.marker(at, { icon: alertIcon(al.severity), keyboard: true, zIndexOffset: 1000,
      title: `${SEVERITY[al.severity].label} alert: ${kindName(al.kind)}`, alt: al.title });
    pressable(m, () => showAlert(al.alert_id), (e) => { e.dataset.alertId = al.alert_id; e.classList.add("alert-marker"); });
    m.addTo(alertLayer);
  }
  mapEl.dataset.events = String(shownEvents.length);
  mapEl.dataset.markers = String(markers.length);
  mapEl.dataset.areas = String(byCountry.size);
  mapEl.dataset.arcs = String(arcs);
  if (!userMoved && bounds.length) fit(bounds);
}
function fit(bounds) {
  map.fitBounds(L.latLngBounds(bounds).pad(0.3), { maxZoom: 7, animate: false });
}
function flyToCountry(iso2) {
  const f = countries.get(iso2);
  if (!f) return;
  userMoved = true;
  map.flyToBounds(L.geoJSON(f).getBounds(), { maxZoom: 7, duration: 0.8 });
}
function flyToAlert(al) {
  if (al.theater && countries.has(al.theater)) { flyToCountry(al.theater); return; }
  for (const id of al.event_ids || []) {
    const p = events.get(id) && places(events.get(id)).map(pointOf).find(Boolean);
    if (p) { userMoved = true; map.flyTo(p, 7, { duration: 0.8 }); return; }
  }
}
let placeQueued = false;
function placeAlertsLater() { if (!placeQueued) { placeQueued = true; setTimeout(() => { placeQueued = false; render(); }, 0); } }

const legend = $("legend");
const fitButton = el("button", { type: "button", id: "fit" }, "Fit events");
fitButton.addEventListener("click", () => { userMoved = false; render(); });
legend.appendChild(fitButton);
for (const t of [...STRIKE_TYPES, "statement"]) {
  const s = el("span");
  s.append(el("i", { class: `sw t-${t}` }), document.createTextNode(words(t)));
  legend.appendChild(s);
}
const areaKey = el("span", {}, "shaded: country/province-level · dashed: launch → target");
legend.appendChild(areaKey);

// --- the timeline: strikes per day (per week or 30 days over long spans) stacked by type, alerts as ticks;
// drag to pick a range, which narrows the map and the feed -------------------------------------------------
const tl = $("timeline");
let tlDomain = null; // [firstDayNum, lastDayNum, daysPerBar]
function drawTimeline() {
  const evs = [...events.values()].filter((e) => e.event_type === "strike" && e.occurred_on && eventMatches(e, false));
  const als = [...alerts.values()].filter((a) => a.raised_at && alertMatches(a, false));
  const days = [...evs.map((e) => dayNum(e.occurred_on)), ...als.map((a) => dayNum(dayOf(a.raised_at)))];
  if (brush) days.push(dayNum(brush[0]), dayNum(brush[1]));
  const W = Math.max(tl.clientWidth, 200), H = 84, top = 14, bottom = 16;
  tl.setAttribute("viewBox", `0 0 ${W} ${H}`);
  tl.replaceChildren();
  $("brush-label").textContent = brush ? `${humanDate(brush[0])} – ${humanDate(brush[1])}` : "";
  $("brush-clear").hidden = !brush;
  if (!days.length) {
    tlDomain = null;
    const t = svgEl("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "axis" });
    t.textContent = "no dated strikes";
    tl.appendChild(t);
    return;
  }
  let d0 = Math.min(...days), d1 = Math.max(...days);
  if (d1 - d0 < 13) { d0 -= Math.floor((13 - (d1 - d0)) / 2); d1 = d0 + 13; }
  const per = d1 - d0 < 180 ? 1 : d1 - d0 < 1100 ? 7 : 30;
  d1 = d0 + Math.ceil((d1 - d0 + 1) / per) * per - 1;
  tlDomain = [d0, d1, per];
  $("timeline-unit").textContent = per === 1 ? "day" : per === 7 ? "week" : "30 days";
  const bins = (d1 - d0 + 1) / per, bw = W / bins;
  const binOf = (k) => Math.floor((k - d0) / per);
  const stacks = new Map();
  for (const e of evs) {
    const b = binOf(dayNum(e.occurred_on));
    if (!stacks.has(b)) stacks.set(b, {});
    const s = stacks.get(b); s[e.strike_type] = (s[e.strike_type] || 0) + 1;
  }
  const maxN = Math.max(1, ...[...stacks.values()].map((s) => Object.values(s).reduce((a, c) => a + c, 0)));
  const scale = (H - top - bottom) / maxN;
  for (const [b, s] of stacks) {
    let y = H - bottom;
    const first = numDay(d0 + b * per), last = numDay(d0 + b * per + per - 1);
    for (const t of STRIKE_TYPES) {
      if (!s[t]) continue;
      const h = s[t] * scale;
      y -= h;
      const r = svgEl("rect", { x: (b * bw + bw * 0.1).toFixed(1), y: y.toFixed(1), width: Math.max(bw * 0.8, 2).toFixed(1),
        height: h.toFixed(1), fill: colour(t), class: "bar", "data-day": first, "data-type": t, "data-count": s[t] });
      const title = svgEl("title");
      title.textContent = `${humanDate(first)}${per > 1 ? " – " + humanDate(last) : ""}: ${s[t]} ${words(t)}`;
      r.appendChild(title); tl.appendChild(r);
    }
  }
  for (const a of als) {
    const x = ((binOf(dayNum(dayOf(a.raised_at))) + 0.5) * bw).toFixed(1);
    const line = svgEl("line", { x1: x, x2: x, y1: 1, y2: top - 2, class: "tick-alert", stroke: cssVar(`--sev-${a.severity}`),
      "data-alert-id": a.alert_id });
    const title = svgEl("title"); title.textContent = `${SEVERITY[a.severity].label} alert, ${humanTime(a.raised_at)}: ${a.title}`;
    line.appendChild(title); tl.appendChild(line);
  }
  const axis = (k, anchor) => {
    const t = svgEl("text", { x: anchor === "end" ? W - 2 : 2, y: H - 3, "text-anchor": anchor, class: "axis" });
    t.textContent = humanDate(numDay(k)); tl.appendChild(t);
  };
  axis(d0, "start"); axis(d1, "end");
  if (brush) {
    const x0 = ((dayNum(brush[0]) - d0) / per) * bw, x1 = ((dayNum(brush[1]) - d0 + 1) / per) * bw;
    tl.appendChild(svgEl("rect", { x: x0.toFixed(1), y: 0, width: Math.max(x1 - x0, 2).toFixed(1), height: H - bottom, class: "brush" }));
  }
}
function binAt(clientX) { // the first day of the bar under clientX
  const box = tl.getBoundingClientRect();
  const [d0, d1, per] = tlDomain;
  const bins = (d1 - d0 + 1) / per;
  const b = Math.min(Math.max(Math.floor(((clientX - box.left) / box.width) * bins), 0), bins - 1);
  return d0 + b * per;
}
function brushBetween(a, b) {
  const per = tlDomain[2];
  return [numDay(Math.min(a, b)), numDay(Math.max(a, b) + per - 1)];
}
let drag = null;
tl.addEventListener("pointerdown", (e) => {
  if (!tlDomain) return;
  drag = { start: binAt(e.clientX), x: e.clientX };
  tl.setPointerCapture(e.pointerId);
});
tl.addEventListener("pointermove", (e) => {
  if (!drag || Math.abs(e.clientX - drag.x) < 3) return;
  brush = brushBetween(drag.start, binAt(e.clientX));
  drawTimeline();
});
tl.addEventListener("pointerup", (e) => {
  if (!drag) return;
  brush = brushBetween(drag.start, Math.abs(e.clientX - drag.x) >= 3 ? binAt(e.clientX) : drag.start); // a click: that bar
  drag = null;
  userMoved = false;
  writeURL(); render();
});
$("brush-clear").addEventListener("click", () => { brush = null; userMoved = false; writeURL(); render(); });
// The keyboard: ← and → move the range by one bar (from the last bar when there is none), Shift with one
// widens it that way, Escape clears it.
tl.addEventListener("keydown", (e) => {
  if (!tlDomain) return;
  const [d0, d1, per] = tlDomain;
  if (e.key === "Escape" && brush) { e.preventDefault(); brush = null; }
  else if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
    e.preventDefault();
    const step = e.key === "ArrowLeft" ? -per : per;
    let [a, b] = brush ? [dayNum(brush[0]), dayNum(brush[1])] : [d1 - per + 1 - step, d1 - step];
    if (e.shiftKey && brush) { if (step < 0) a += step; else b += step; } else { a += step; b += step; }
    a = Math.max(d0, Math.min(a, d1 - per + 1)); b = Math.max(a + per - 1, Math.min(b, d1));
    brush = [numDay(a), numDay(b)];
  } else return;
  userMoved = false; writeURL(); render();
});
new ResizeObserver(() => drawTimeline()).observe(tl);

// --- the detail panel --------------------------------------------------------------------------------
const detail = $("detail"), detailBody = $("detail-body");
let returnFocus = null;
function closeDetail() {
  if (returnFocus && returnFocus.isConnected && detail.contains(document.activeElement)) returnFocus.focus();
  returnFocus = null;
  detail.hidden = true; detailBody.replaceChildren(); delete detailBody.dataset.eventId;
  selectedId = null; select(null); writeURL();
}
$("close-detail").addEventListener("click", closeDetail);
document.addEventListener("keydown", (e) => { if (e.key === "Escape" && !detail.hidden) closeDetail(); });
function select(key) {
  document.querySelectorAll("#feed li.selected, #alerts li.selected, .mk.selected").forEach((n) => n.classList.remove("selected"));
  if (!key) return;
  const li = items.get(key);
  if (li) li.classList.add("selected");
  if (key.startsWith("e:")) {
    for (const m of document.querySelectorAll(`.ev-marker[data-id="${CSS.escape(key.slice(2))}"] .mk`)) m.classList.add("selected");
  }
}
function section(title, list, render) {
  const box = el("section");
  box.appendChild(el("h4", {}, title));
  const ul = el("ul");
  for (const item of list) ul.appendChild(render(item));
  box.appendChild(ul);
  return box;
}
function sourceItem(s) {
  const li = el("li");
  if (s.url && /^https?:\/\//.test(s.url)) li.appendChild(el("a", { href: s.url, rel: "noopener noreferrer", target: "_blank" }, s.source));
  else li.appendChild(document.createTextNode(s.source));
  if (s.published_at) li.appendChild(el("span", { class: "meta" }, ` · ${humanTime(s.published_at)}`));
  if (s.syndicated) li.appendChild(el("span", { class: "meta" }, " · syndicated copy"));
  return li;
}
function evidenceOf(doc) {
  const box = el("section", { class: "evidence" });
  if (!(doc.evidence || []).length) return box;
  box.appendChild(el("h4", {}, "Evidence"));
  for (const e of doc.evidence) box.appendChild(el("blockquote", {}, e.sentence));
  return box;
}
function openDetail() {
  if (detail.hidden && !detail.contains(document.activeElement)) returnFocus = document.activeElement;
  detail.hidden = false;
  detail.scrollTop = 0;
  detail.focus({ preventScroll: true });
}
let detailToken = 0, detailIsCopy = false; // detailIsCopy: shown from this page's copy while the API was down
async function showEvent(id) {
  const token = ++detailToken;
  selectedId = id; writeURL(); select("e:" + id);
  let ev = null, note = null;
  try {
    ev = await api(`/v1/events/${encodeURIComponent(id)}`);
  } catch (err) {
    ev = err.status === 404 ? null : events.get(id) || null;
    note = err.status === 404 ? `There is no event ${id}.`
      : ev ? "The API is unreachable: showing the copy this page has (no version history)."
      : "The API is unreachable and this page has no copy of the event.";
  }
  if (token !== detailToken) return;
  detailBody.replaceChildren();
  detailBody.dataset.eventId = id;
  detailIsCopy = Boolean(ev && note);
  delete detailBody.dataset.alertId;
  if (!ev) {
    detailBody.appendChild(el("h3", { id: "detail-title" }, "Event unavailable"));
    detailBody.appendChild(el("p", { class: "warn" }, note));
    openDetail();
    return;
  }
  const t = typeOf(ev);
  detailBody.appendChild(el("h3", { id: "detail-title" }, headline(ev)));
  const row = el("div", { class: "row" });
  const badge = el("span", { class: `badge t-${t}` });
  badge.append(glyph(ICON[t]), document.createTextNode(ev.event_type === "strike" ? words(t) : ev.statement_type));
  row.append(badge, confidenceChip(ev.confidence));
  if (ev.claim && ev.claim.status) row.append(chip(ev.claim.by ? `${ev.claim.status} by ${ev.claim.by}` : ev.claim.status, `claim-${ev.claim.status}`));
  detailBody.appendChild(row);
  if (note) detailBody.appendChild(el("p", { class: "warn" }, note));
  const facts = [humanDate(ev.occurred_on), `version ${ev.version}`];
  if (ev.launch_platform) facts.push(`from ${ev.launch_platform.name || ev.launch_platform.kind}${ev.launch_location ? " in " + ev.launch_location.name : ""}`);
  const q = ev.quantities || {};
  if (q.munitions) facts.push(`${q.munitions} munitions`);
  if (q.killed) facts.push(`${q.killed} killed`);
  if (q.injured) facts.push(`${q.injured} injured`);
  if (ev.acled_sub_event_type) facts.push(`ACLED: ${ev.acled_sub_event_type}`);
  if (ev.cameo_code) facts.push(`CAMEO ${ev.cameo_code}`);
  detailBody.appendChild(el("p", { class: "meta" }, facts.filter(Boolean).join(" · ")));
  detailBody.appendChild(evidenceOf(ev));
  detailBody.appendChild(section("Places", places(ev), (p) =>
    el("li", {}, `${p.name}${p.admin1 ? ", " + p.admin1 : ""}${p.country_code ? " (" + p.country_code + ")" : ""}` +
      (p.geo_precision ? ` · precision ${p.geo_precision}` : " · not geocoded"))));
  detailBody.appendChild(section("Sources", ev.sources || [], sourceItem));
  if (ev.history) detailBody.appendChild(section("History", ev.history, (h) =>
    el("li", {}, `v${h.version} stored ${humanTime(h.stored_at)} · ${h.source_count} source(s)`)));
  const link = el("a", { href: `?event=${encodeURIComponent(ev.event_id)}`, class: "permalink" }, "Link to this event");
  detailBody.appendChild(el("p")).appendChild(link);
  openDetail();
}
async function showAlert(alertId) {
  const al = alerts.get(alertId);
  if (!al) return;
  selectedId = null; writeURL(); select("a:" + alertId);
  detailBody.replaceChildren();
  delete detailBody.dataset.eventId;
  detailBody.dataset.alertId = alertId;
  detailBody.appendChild(el("h3", { id: "detail-title" }, al.title));
  const row = el("div", { class: "row" });
  row.append(severityBadge(al.severity), el("span", {}, kindName(al.kind)), chip(al.status, ""));
  detailBody.appendChild(row);
  detailBody.appendChild(el("p", { class: "meta" },
    `raised ${humanTime(al.raised_at)}${al.first_report_at ? " · first report " + humanTime(al.first_report_at) : ""}` +
    `${al.theater ? " · theater " + al.theater : ""} · ${al.source_count} source(s)`));
  detailBody.appendChild(el("p", {}, al.summary));
  detailBody.appendChild(evidenceOf(al));
  const links = [];
  detailBody.appendChild(section("Events", al.event_ids || [], (id) => {
    const li = el("li");
    const known = events.get(id);
    const a = el("a", { href: `?event=${encodeURIComponent(id)}`, "data-event-id": id }, known ? headline(known) : "loading…");
    a.addEventListener("click", (e) => { e.preventDefault(); showEvent(id); });
    if (known) li.appendChild(el("span", { class: "meta" }, `${humanDate(known.occurred_on)} · `));
    li.appendChild(a);
    if (!known) links.push([id, a]);
    return li;
  }));
  openDetail();
  for (const [id, a] of links) { // titles of events this page has not loaded
    try { const ev = await api(`/v1/events/${encodeURIComponent(id)}`); a.textContent = `${humanDate(ev.occurred_on)} · ${headline(ev)}`; }
    catch { a.textContent = "an event not available now"; }
  }
}

// --- loading, the live stream, and catch-up after an outage --------------------------------------------
let statusState = "connecting";
function setStatus(state, text) {
  statusState = state;
  $("status").className = `status ${state}`;
  $("status").textContent = text;
}
// The first page of the listings with the current filters. The events shown become that page in its order,
// plus whatever the stream brought while it was being read.
async function loadAll() {
  const mark = nextRank;
  const [evs, als] = await Promise.all([api(`/v1/events?${eventQuery({ limit: 200 })}`), api(`/v1/alerts?${alertQuery({ limit: 100 })}`)]);
  const listed = new Set(evs.items.map((d) => d.event_id));
  for (const [id, rank] of order) {
    if (rank < mark && !listed.has(id)) { order.delete(id); events.delete(id); items.delete("e:" + id); }
  }
  evs.items.forEach((d, i) => { if (!(order.get(d.event_id) >= mark)) order.set(d.event_id, mark - 1 - i); });
  for (const d of evs.items) addEvent(d);
  for (const a of als.items) addAlert(a);
  render();
}
// Everything stored or updated since `sinceMs` (server time), whatever the stream missed.
async function catchUp(sinceMs) {
  const since = new Date(sinceMs).toISOString();
  let cursor = null, pages = 0, got = [];
  do {
    const q = eventQuery({ limit: 500, updated_since: since });
    if (cursor) q.set("cursor", cursor);
    const page = await api(`/v1/events?${q}`);
    got = got.concat(page.items);
    cursor = page.next_cursor;
  } while (cursor && ++pages < 10);
  addEventPage(got, { live: true });
  cursor = null; pages = 0;
  do {
    const q = alertQuery({ limit: 500, updated_since: since });
    if (cursor) q.set("cursor", cursor);
    const page = await api(`/v1/alerts?${q}`);
    for (const a of page.items) addAlert(a, { live: true });
    cursor = page.next_cursor;
  } while (cursor && ++pages < 10);
  render();
}
let source = null, retryTimer = null, retryDelay = 1000;
let loaded = false, syncing = false;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// Once the stream is open (so the server has fixed where it starts from), read the listings: the first
// page at start, or everything stored since `downSince` after an outage. Retried until it succeeds.
async function sync() {
  if (syncing) return;
  syncing = true;
  try {
    while (source && source.readyState === EventSource.OPEN) {
      try {
        if (!loaded) await loadAll();
        else if (downSince !== null) await catchUp(downSince);
        loaded = true;
        downSince = null;
        $("stale").hidden = true;
        setStatus("live", "live");
        if (detailIsCopy && !detail.hidden && detailBody.dataset.eventId) showEvent(detailBody.dataset.eventId);
        render();
        return;
      } catch (err) {
        console.warn("reading the listings failed; retrying", err);
        await sleep(3000);
      }
    }
  } finally {
    syncing = false;
  }
}
function connect() {
  const q = lastEventId ? `?last_event_id=${encodeURIComponent(lastEventId)}` : "";
  source = new EventSource(`/v1/stream${q}`);
  source.addEventListener("open", () => { retryDelay = 1000; sync(); });
  source.addEventListener("error", () => {
    if (downSince === null) {
      // Everything stored before this point (less a margin for the heartbeat interval and clock steps) was
      // seen; from there on, a catch-up re-reads the listings once the stream is back.
      downSince = serverNow() - 60000;
      const banner = $("stale");
      banner.textContent = `The API has been unreachable since ${humanTime(new Date().toISOString())}: ` +
        "what is shown may be stale. Reconnecting…";
      banner.hidden = false;
    }
    setStatus("down", "reconnecting…");
    if (source.readyState === EventSource.CLOSED) { // an HTTP error: EventSource gives up, so retry here
      source.close();
      clearTimeout(retryTimer);
      retryTimer = setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    }
  });
  const onMessage = (kind) => (m) => {
    if (m.lastEventId) lastEventId = m.lastEventId;
    let doc;
    try { doc = JSON.parse(m.data); } catch { return; }
    const changed = kind === "event" ? addEventPage([doc], { live: true }) : addAlert(doc, { live: true });
    if (changed) render();
  };
  source.addEventListener("event", onMessage("event"));
  source.addEventListener("alert", onMessage("alert"));
}

// Filters: every change re-reads the listings with the API's parameters and rewrites the URL.
let reloadTimer = null;
function filtersChanged() {
  writeURL();
  userMoved = false;
  render();
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => loadAll().catch((e) => console.warn("reload", e)), 250);
}
form.addEventListener("input", filtersChanged);
form.addEventListener("change", filtersChanged);
form.addEventListener("submit", (e) => { e.preventDefault(); filtersChanged(); });
form.addEventListener("reset", () => setTimeout(() => { brush = null; filtersChanged(); }, 0));
window.addEventListener("popstate", () => { readURL(); render(); });

// Start: open the stream first, then (once it is open) read the listings, so nothing falls between the two.
const linkedEvent = readURL();
writeURL(); // normalised, and the count of active filters shown
loadCountries().catch((e) => console.warn("base map", e));
connect();
// Should the stream not open (a proxy that does not pass it), show the listings all the same.
setTimeout(() => { if (!loaded) loadAll().then(() => { loaded = true; }, (e) => console.warn("listings", e)); }, 5000);
if (linkedEvent) showEvent(linkedEvent);
render();
