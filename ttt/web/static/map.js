// Situation map and alert maps. Every layer comes from the same /api/v1 answers the API gives
// this user (scopes and location generalisation included). No basemap unless one is configured.
(function () {
  "use strict";
  const SEV = { minor: "#6c8ebf", moderate: "#e0a100", severe: "#d2521d", extreme: "#9b1c1c" };
  const get = (url) => fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.status + " " + url))));

  function baseMap(el) {
    const map = L.map(el, { attributionControl: !!el.dataset.basemap });
    if (el.dataset.basemap) L.tileLayer(el.dataset.basemap, { maxZoom: 14 }).addTo(map);
    map.setView([14, 0], 5);
    return map;
  }

  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

  // ---------------------------------------------------------------- the alert page's small map
  const alertEl = document.getElementById("alert-map");
  if (alertEl) {
    const map = baseMap(alertEl);
    const layers = L.featureGroup().addTo(map);
    const corridor = alertEl.dataset.corridor;
    const geometry = JSON.parse(alertEl.dataset.geometry || "{}");
    const done = () => { if (layers.getLayers().length) map.fitBounds(layers.getBounds().pad(0.3), { animate: false }); };
    if (geometry && geometry.type) L.geoJSON(geometry, { style: { color: "#d2521d", weight: 2 }, pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 8, color: "#d2521d" }) }).addTo(layers);
    if (corridor) get("/api/v1/corridors/" + encodeURIComponent(corridor)).then((f) => { L.geoJSON(f, { style: { color: "#0b5cad", weight: 3 } }).addTo(layers); done(); }).catch(done);
    else done();
    return;
  }

  const el = document.getElementById("map");
  if (!el) return;
  const labels = JSON.parse(el.dataset.labels || "{}");
  const visible = new Set((el.dataset.points || "").split(","));  // the points inside this user's scopes
  const seasons = JSON.parse(el.dataset.seasons || "[]");
  const form = document.getElementById("filters");
  const status = document.getElementById("map-status");
  const map = baseMap(el);
  const groups = { corridors: L.featureGroup().addTo(map), hazards: L.featureGroup().addTo(map),
    points: L.featureGroup().addTo(map), alerts: L.featureGroup().addTo(map), routes: L.featureGroup().addTo(map) };
  let corridors = [], points = [], hazards = [], fitted = false;

  const day = (iso) => new Date(iso + "T00:00:00Z");
  const iso = (d) => d.toISOString().slice(0, 10);

  function period() {
    const [from, to] = (form.season.value || "|").split("|");
    const slider = form.day;
    const total = Math.max(0, Math.round((day(to) - day(from)) / 864e5));
    if (slider.max !== String(total)) { slider.max = total; slider.value = total; }
    const end = new Date(day(from).getTime() + slider.value * 864e5);
    const span = parseInt(form.span.value, 10);
    const start = span ? new Date(Math.max(day(from).getTime(), end.getTime() - (span - 1) * 864e5)) : day(from);
    document.getElementById("day-out").textContent = iso(end);
    return { from: iso(start), to: iso(end) };
  }

  const country = () => form.country.value;
  const inCountry = (f) => !country() || (f.properties.countries || [f.properties.adm0_pcode || ""]).some((c) => (c || "").startsWith(country()));

  function drawStatic() {
    groups.corridors.clearLayers();
    const chosen = form.corridor.value;
    corridors.filter(inCountry).forEach((f) => {
      L.geoJSON(f, { style: { color: f.properties.code === chosen ? "#0b5cad" : "#4a6378", weight: f.properties.code === chosen ? 5 : 3,
        dashArray: f.properties.status === "closed" ? "6 6" : null } })
        .bindTooltip(esc(f.properties.name) + " (" + esc(f.properties.code) + ")").addTo(groups.corridors);
    });
    if (!fitted && groups.corridors.getLayers().length) { map.fitBounds(groups.corridors.getBounds().pad(0.05), { animate: false }); fitted = true; }
  }

  function drawHazards(p) {
    groups.hazards.clearLayers();
    hazards.filter((h) => h.properties.starts_at.slice(0, 10) <= p.to && (!h.properties.ends_at || h.properties.ends_at.slice(0, 10) >= p.from))
      .forEach((h) => L.geoJSON(h, { style: { color: "#f28c28", fillOpacity: 0.35, weight: 1 } })
        .bindPopup("<b>" + esc(h.properties.kind) + "</b> · " + esc(h.properties.severity) + "<br>" + esc(h.properties.description || "") +
          (h.properties.source ? "<br><small>" + esc(h.properties.source) + "</small>" : "")).addTo(groups.hazards));
  }

  async function drawCounts(p) {
    groups.points.clearLayers();
    const q = new URLSearchParams({ from: p.from, to: p.to, limit: 500 });
    const ranking = await get("/api/v1/stats/flow-points?" + q).catch(() => ({ items: [] }));
    const animals = Object.fromEntries((ranking.items || []).map((i) => [i.flow_point, (i.animals && i.animals.total) || 0]));
    const max = Math.max(1, ...Object.values(animals));
    const chosen = form.corridor.value;
    points.filter(inCountry).filter((f) => !chosen || f.properties.corridor === chosen).forEach((f) => {
      const n = animals[f.properties.code] || 0;
      const [lon, lat] = f.geometry.coordinates;
      L.circleMarker([lat, lon], { radius: 4 + 18 * Math.sqrt(n / max), color: "#2f7d4a", weight: 1, fillOpacity: 0.45 })
        .bindPopup('<a href="/console/flow-points/' + encodeURIComponent(f.properties.code) + '">' + esc(f.properties.name) + "</a><br>" +
          n.toLocaleString(document.documentElement.lang) + " " + esc(labels.animals))
        .addTo(groups.points);
    });
  }

  async function drawAlerts(p) {
    groups.alerts.clearLayers();
    const q = new URLSearchParams({ since: p.from + "T00:00:00Z", until: p.to + "T23:59:59Z", limit: 500 });
    ["type", "severity", "corridor"].forEach((k) => form[k].value && q.set(k, form[k].value));
    const data = await get("/api/v1/alerts?" + q).catch(() => ({ items: [] }));
    (data.items || []).filter((a) => a.status !== "resolved" && a.geometry)
      .filter((a) => !country() || (a.pcodes || []).some((c) => c.startsWith(country())) || !(a.pcodes || []).length)
      .forEach((a) => {
        const color = SEV[a.severity] || "#d2521d";
        L.geoJSON(a.geometry, { style: { color, weight: 2, fillOpacity: 0.2 },
          pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 8, color: "#fff", weight: 2, fillColor: color, fillOpacity: 0.95 }) })
          .bindPopup("<b>" + esc(a.headline) + "</b><br>" + esc(a.type) + " · " + esc(a.severity) +
            '<br><a href="/console/alerts/' + a.id + '">' + esc(labels.open) + "</a>").addTo(groups.alerts);
      });
    status.textContent = labels.alerts.replace("{n}", (data.items || []).length);
    status.dataset.alerts = (data.items || []).length;
  }

  async function refresh() {
    const p = period();
    status.textContent = labels.loading;
    drawStatic(); drawHazards(p);
    await Promise.all([drawCounts(p), drawAlerts(p)]);
  }

  Promise.all([
    get("/api/v1/corridors?limit=1000").then((d) => (corridors = d.features || [])),
    get("/api/v1/flow-points?limit=1000").then((d) => (points = (d.features || []).filter((f) => visible.has(f.properties.code)))),
    get("/api/v1/hazards?limit=1000").then((d) => (hazards = d.features || [])).catch(() => []),
  ]).then(refresh).catch((e) => (status.textContent = labels.error + ": " + e.message));
  form.addEventListener("change", refresh);
  form.day.addEventListener("input", period);

  // alternative routes, drawn on demand
  const routeForm = document.getElementById("route-form");
  routeForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    groups.routes.clearLayers();
    const list = document.getElementById("route-list");
    list.textContent = labels.loading;
    const q = new URLSearchParams({ from: routeForm.from.value, to: routeForm.to.value, k: 3, at: period().to + "T12:00:00Z" });
    const r = await fetch("/api/v1/network/routes?" + q, { credentials: "same-origin" });
    const data = await r.json().catch(() => ({}));
    list.textContent = "";
    if (!r.ok) { list.textContent = labels.noroute + (data.detail ? ": " + (Array.isArray(data.detail) ? data.detail.map((d) => d.message).join("; ") : data.detail) : ""); return; }
    (data.features || []).forEach((f, i) => {
      const pr = f.properties || {};
      L.geoJSON(f, { style: { color: ["#6a1b9a", "#00838f", "#9e9d24"][i % 3], weight: 6 - i, opacity: 0.8 } }).addTo(groups.routes);
      const li = document.createElement("li");
      const lang = document.documentElement.lang;
      if (pr.text && (pr.text[lang] || pr.text.en)) { li.textContent = pr.text[lang] || pr.text.en; list.appendChild(li); return; }
      li.textContent = (pr.corridors || []).map((c) => (pr.corridor_names || {})[c] || c).join(" → ") + " · " + (pr.length_km ?? "?") + " " + labels.km +
        (pr.walking_days != null ? " · " + pr.walking_days + " " + labels.days : "") +
        (pr.detour_km != null ? " · " + labels.detour + " +" + pr.detour_km + " " + labels.km : "");
      list.appendChild(li);
    });
    if (groups.routes.getLayers().length) map.fitBounds(groups.routes.getBounds().pad(0.1));
  });
})();
