// One-off build of vendor/countries.geo.json from the vendored world-atlas TopoJSON (countries-110m.json):
// GeoJSON features with {name, iso2, label: [lon, lat]} (label: the centroid of the largest polygon,
// where the page shades a country-level event and ends a launch arc), coordinates rounded to 0.01 deg.
// Run from services/api/static/vendor with the npm packages topojson-client@3.1.0 and
// i18n-iso-countries@7.14.0 unpacked beside it (npm pack ...; tar xzf ...):
//   node tools/countries.mjs /path/to/topojson-client/package /path/to/i18n-iso-countries/package
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const [topojsonDir, isoDir] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const topojson = require(`${topojsonDir}/dist/topojson-client.js`);
const codes = JSON.parse(readFileSync(`${isoDir}/codes.json`, "utf8"));
const byNumeric = Object.fromEntries(codes.map(([a2, , num]) => [num, a2]));
// Rings that touch the antimeridian give a meaningless centroid: hand-set labels for those.
const labels = { RU: [96, 62], FJ: [178, -17.8], AQ: [0, -80] };
const byName = { Kosovo: "XK", "N. Cyprus": "CY", Somaliland: "SO" }; // no ISO numeric id in world-atlas

const topo = JSON.parse(readFileSync("countries-110m.json", "utf8"));
const fc = topojson.feature(topo, topo.objects.countries);
const round = (c) => (typeof c[0] === "number" ? [+c[0].toFixed(2), +c[1].toFixed(2)] : c.map(round));

function ringArea(ring) {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) a += ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
  return a / 2;
}
function ringCentroid(ring) {
  let x = 0, y = 0, a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
    x += (ring[j][0] + ring[i][0]) * f; y += (ring[j][1] + ring[i][1]) * f; a += f;
  }
  return [+(x / (3 * a)).toFixed(2), +(y / (3 * a)).toFixed(2)];
}

// A ring that crosses the antimeridian (Russia's Chukotka, Fiji) jumps from 180 to -180, which a map
// draws as a band across the world: continue it past 180 instead (Leaflet takes longitudes > 180).
// Antarctica's ring runs along the whole edge on purpose and is left alone.
function unwrap(coords, iso2) {
  if (iso2 === "AQ") return coords;
  const polys = typeof coords[0][0][0] === "number" ? [coords] : coords;
  const out = polys.map((poly) => poly.map((ring) => {
    const xs = ring.map((c) => c[0]);
    return Math.max(...xs) - Math.min(...xs) > 300 ? ring.map(([x, y]) => [x < 0 ? x + 360 : x, y]) : ring;
  }));
  return typeof coords[0][0][0] === "number" ? out[0] : out;
}

const features = fc.features.map((f) => {
  const polys = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
  const largest = polys.reduce((best, p) => (Math.abs(ringArea(p[0])) > Math.abs(ringArea(best[0])) ? p : best));
  const name = f.properties.name;
  const iso2 = byNumeric[f.id] || byName[name] || null;
  return {
    type: "Feature",
    properties: { name, iso2, label: labels[iso2] || ringCentroid(largest[0]) },
    geometry: { type: f.geometry.type, coordinates: round(unwrap(f.geometry.coordinates, iso2)) },
  };
});
writeFileSync("countries.geo.json", JSON.stringify({ type: "FeatureCollection", features }));
console.log(features.length, "countries;", features.filter((f) => !f.properties.iso2).map((f) => f.properties.name));
