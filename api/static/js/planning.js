// Planning page: coverage of the agencies by ward (share of persons within T minutes), existing, candidate
// and chosen sites of a scenario.
"use strict";

(async function () {
  const map = await makeMap("map");
  const { token, me } = await staffAccess("token", "agencynet.planner", ["planner"]);
  const status = document.getElementById("status");
  const error = document.getElementById("error");
  const scenarioMap = document.getElementById("scenario-map");
  const wardLayer = L.layerGroup().addTo(map);
  const siteLayer = L.layerGroup().addTo(map);
  let legend = null;

  // The service's shades of a share (the map exports use the same): each colour below its bound, the last up to 1.
  const steps = (await settings()).coverage_steps;
  const shade = (share) => (steps.find(([bound]) => share < bound) || steps[steps.length - 1])[1];
  const percent = (share) => `${+(100 * share).toFixed(1)}`;
  const stepWords = steps.map(([bound], k) => (k === 0 ? `< ${percent(bound)}%`
    : k === steps.length - 1 ? `≥ ${percent(steps[k - 1][0])}%` : `${percent(steps[k - 1][0])}-${percent(bound)}%`));

  const agencies = await api("/agencies");
  function drawAgencies() {
    for (const f of agencies.features) {
      if (!f.properties.on_map) continue;
      const [lon, lat] = f.geometry.coordinates;
      L.marker([lat, lon], { icon: pinIcon("#0b5cad", 12), title: f.properties.name })
        .bindTooltip(`${esc(t("js.existing"))}: ${esc(f.properties.name)}`).addTo(siteLayer);
    }
  }
  drawAgencies();

  // Minutes asked again before the answer came: only the last answer is drawn (its legend says its minutes).
  const coverageAsked = latestOnly();
  async function coverage() {
    error.textContent = "";
    status.textContent = t("js.computing");
    const minutes = document.getElementById("minutes").value;
    try {
      const answer = await coverageAsked(api("/coverage?" + new URLSearchParams({ minutes, least: 10 }), { token: token() }));
      if (answer === undefined) return;
      const key = "share_within_" + Number(minutes);
      wardLayer.clearLayers();
      const layer = L.geoJSON(answer.wards, {
        pane: "overlay",
        style: (f) => ({ color: "#555", weight: 1, fillColor: shade(f.properties[key]), fillOpacity: 0.55 }),
        onEachFeature: (f, l) => l.bindTooltip(esc(t("js.ward_share", { name: f.properties.name, share: num(100 * f.properties[key], 1),
          minutes, mean: num(f.properties.mean_time_min, 1) }))),
      }).addTo(wardLayer);
      map.fitBounds(layer.getBounds(), { animate: false });
      const total = answer.total;
      document.getElementById("totals").innerHTML = `<p>${esc(t("js.totals", { share: num(100 * total[key], 1),
        population: num(Math.round(total.population), 0), minutes, mean: num(total.mean_time_min, 1) }))}</p>`;
      wardTable(t("js.least_served"), answer.least_served.map((w) => [w.name, `${num(100 * w[key], 0)}%`, fmtMinutes(60 * w.p95_time_min)]));
      if (!legend) {
        legend = L.control({ position: "bottomright" });
        legend.onAdd = () => L.DomUtil.create("div", "legend");
        legend.addTo(map);
      }
      // Its title says the minutes asked: the shades are the share of the ward's people within them.
      legend.getContainer().innerHTML = esc(t("js.legend", { minutes })) + "<br>" +
        steps.map(([, colour], k) => `<span class="swatch" style="background:${colour}"></span>${stepWords[k]}`).join("<br>");
      status.textContent = t("js.coverage_done", { minutes });
    } catch (e) { status.textContent = ""; error.textContent = e.message; }
  }

  // The least-served wards, a row each: name, share of its people within the minutes, p95 of their times.
  function wardTable(title, rows) {
    document.getElementById("wards").innerHTML = `<h2>${esc(title)}</h2><table class="ward-table">` +
      `<tr><th>#</th><th>${esc(t("js.col_ward"))}</th><th>${esc(t("js.col_within"))}</th><th>p95</th></tr>` +
      rows.map(([name, within, p95], i) => `<tr><td>${i + 1}</td><td>${esc(name)}</td><td>${within}</td><td>${p95}</td></tr>`).join("") +
      "</table>";
  }

  async function scenario(event) {
    event.preventDefault();
    error.textContent = "";
    status.textContent = t("js.running");
    try {
      const minutes = +document.getElementById("minutes").value;
      const body = { p: +document.getElementById("p").value, minutes };
      const created = await api("/scenarios", { method: "POST", token: token(), body });
      scenarioMap.dataset.scenario = created.id;
      scenarioMap.disabled = false;
      const answer = await api(`/scenarios/${encodeURIComponent(created.id)}`, { token: token() });
      siteLayer.clearLayers();
      const key = "share_within_" + Number(minutes) + "_after";
      const features = answer.geojson.features;
      wardLayer.clearLayers();
      L.geoJSON({ type: "FeatureCollection", features: features.filter((f) => f.properties.layer === "ward") }, {
        pane: "overlay",
        style: (f) => ({ color: "#555", weight: 1, fillColor: shade(f.properties[key]), fillOpacity: 0.55 }),
        onEachFeature: (f, l) => l.bindTooltip(`${esc(f.properties.name)}: ` +
          `${num(100 * f.properties["share_within_" + Number(minutes) + "_before"], 1)}% → ${num(100 * f.properties[key], 1)}%`),
      }).addTo(wardLayer);
      // The wards least served before, each with what the new sites make of it (the table kept the coverage
      // before, while the map showed the wards after).
      const share = (w, when) => w["share_within_" + Number(minutes) + "_" + when];
      const wards = features.filter((f) => f.properties.layer === "ward").map((f) => f.properties)
        .sort((a, b) => share(a, "before") - share(b, "before") || b.p95_time_min_before - a.p95_time_min_before).slice(0, 10);
      wardTable(t("js.least_served_after"), wards.map((w) => [w.name,
        `${num(100 * share(w, "before"), 0)}% → ${num(100 * share(w, "after"), 0)}%`,
        `${fmtMinutes(60 * w.p95_time_min_before)} → ${fmtMinutes(60 * w.p95_time_min_after)}`]));
      for (const f of features) {
        if (f.geometry.type !== "Point") continue;
        const p = f.properties;
        const [lon, lat] = f.geometry.coordinates;
        const role = p.layer === "candidate" ? "candidate" : p.status;
        const style = { candidate: ["#888888", 8], existing: ["#0b5cad", 12], new: ["#d7301f", 20] }[role] || ["#000", 10];
        const roleName = ["candidate", "existing", "new"].includes(role) ? t("js." + role) : role;
        L.marker([lat, lon], { icon: pinIcon(style[0], style[1]), title: `${roleName}: ${p.name || p.site_id}`, zIndexOffset: role === "new" ? 1000 : 0 })
          .bindTooltip(`${esc(roleName)}: ${esc(p.name || p.site_id)}`).addTo(siteLayer);
      }
      const before = answer.coverage_before["share_within_" + Number(minutes)];
      const after = answer.coverage_after["share_within_" + Number(minutes)];
      document.getElementById("totals").innerHTML = `<p>${esc(t("js.scenario_totals", { model: t("model." + answer.model), p: answer.p, minutes }))} ` +
        `<b>${num(100 * before, 1)}% → ${num(100 * after, 1)}%</b> (${esc(t("js.gap", { gap: answer.gap === null ? "–" : num(100 * answer.gap, 2) + "%" }))})</p>` +
        `<ul class="list new-sites">` + answer.new_sites.map((n) => `<li>${esc(n.name || n.site_id)} <span class="muted">${esc(kindName(n.kind))}</span></li>`).join("") + "</ul>";
      status.textContent = t("js.scenario", { when: fmtWhen(hanoiTime(answer.created_at)) });
    } catch (e) { status.textContent = ""; error.textContent = e.message; }
  }

  // The quarter's report to the province: this quarter (to date) and the seven before, in a tab of its own.
  const quarters = document.getElementById("report-quarter");
  const [year, month] = hanoiToday().split("-").map(Number);
  let [q, y] = [Math.ceil(month / 3), year];
  for (let k = 0; k < 8; k++) {
    quarters.add(new Option(t(k ? "js.quarter" : "js.quarter_now", { q, year: y }), `${y}Q${q}`));
    [q, y] = q === 1 ? [4, y - 1] : [q - 1, y];
  }
  document.getElementById("report-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const url = `/reports/${quarters.value}?` + new URLSearchParams({ area: document.getElementById("report-area").value, lang: LANG });
    if (token()) status.textContent = t("js.report_making", { quarter: quarters.selectedOptions[0].text });
    try {
      await openInTab(url, token());
      status.textContent = "";
    } catch (e) {
      status.textContent = "";
      error.textContent = e.message;
    }
  });

  scenarioMap.onclick = () => openMapPage(`/scenarios/${encodeURIComponent(scenarioMap.dataset.scenario)}/map.html`, token())
    .catch((e) => { error.textContent = e.message; });
  document.getElementById("coverage").onclick = coverage;
  document.getElementById("scenario").addEventListener("submit", scenario);
  // The coverage at once for a planner: signed in, or by the token kept in this browser.
  if (token() || me) await coverage();
  document.body.dataset.ready = "1";
})();
