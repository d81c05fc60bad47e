// Citizens' page: search, click the map, see the nearest agencies with routes and ETAs.
"use strict";

(async function () {
  const map = await makeMap("map");
  const status = document.getElementById("status");
  const error = document.getElementById("error");
  const hitsList = document.getElementById("hits");
  const nearestList = document.getElementById("nearest");
  const overlay = L.layerGroup().addTo(map);

  const agencies = await api("/agencies");
  const agencyLayer = L.layerGroup().addTo(map);
  for (const f of agencies.features) {
    if (!f.properties.on_map) continue;
    const [lon, lat] = f.geometry.coordinates;
    L.marker([lat, lon], { icon: pinIcon("#0b5cad"), title: f.properties.name })
      .bindTooltip(`${esc(f.properties.name)}<br><span class="muted">${esc(f.properties.kind)}</span>`)
      .addTo(agencyLayer);
  }

  async function nearest(params) {
    error.textContent = "";
    status.textContent = "Finding the nearest agencies…";
    try {
      const answer = await api("/agencies/nearest?" + new URLSearchParams(Object.assign({ k: 3 }, params)));
      overlay.clearLayers();
      nearestList.innerHTML = "";
      const origin = [answer.origin.lat, answer.origin.lon];
      L.marker(origin, { icon: pinIcon("#222", 16), title: "start" }).bindTooltip(answer.origin.label || "your point").addTo(overlay);
      const bounds = L.latLngBounds([origin]);
      // Slowest first, so that the fastest route is drawn on top where routes share roads.
      const items = [];
      answer.agencies.slice().reverse().forEach((a, j) => {
        const i = answer.agencies.length - 1 - j;
        const colour = COLOURS[i % COLOURS.length];
        const line = L.geoJSON(a.geometry, { pane: "overlay", style: { color: colour, weight: 5, opacity: 0.85 } })
          .bindTooltip(`${esc(a.name)}: ${fmtMinutes(a.travel_time_s)}`).addTo(overlay);
        bounds.extend(line.getBounds());
        const end = a.geometry.coordinates[a.geometry.coordinates.length - 1];
        L.marker([end[1], end[0]], { icon: pinIcon(colour, 18), title: a.name }).addTo(overlay);
        const li = document.createElement("li");
        li.className = "nearest-item";
        li.innerHTML = `<span class="swatch" style="background:${colour}"></span><b>${esc(a.name)}</b><br>` +
          `<span class="muted">${esc(a.kind)} — ${fmtMinutes(a.travel_time_s)}, ${fmtKm(a.distance_m)}</span>`;
        li.onclick = () => map.fitBounds(line.getBounds(), { maxZoom: 17 });
        items.unshift(li);
      });
      items.forEach((li) => nearestList.appendChild(li));
      map.fitBounds(bounds.pad(0.2), { maxZoom: 16, animate: false });
      status.textContent = answer.origin.label ? `From ${answer.origin.label}` : "From the point you clicked";
    } catch (e) {
      status.textContent = "";
      error.textContent = e.message;
    }
  }

  map.on("click", (e) => nearest({ lat: e.latlng.lat.toFixed(6), lon: e.latlng.lng.toFixed(6) }));

  document.getElementById("search-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    hitsList.innerHTML = "";
    const q = document.getElementById("q").value;
    try {
      const found = await api("/search?" + new URLSearchParams({ q, k: 8 }));
      if (!found.results.length) { status.textContent = "Nothing found."; return; }
      for (const hit of found.results) {
        const li = document.createElement("li");
        li.className = "hit";
        li.innerHTML = `${esc(hit.label)} <span class="muted">${esc(hit.kind)}</span>`;
        li.onclick = () => { hitsList.innerHTML = ""; nearest({ lat: hit.lat, lon: hit.lon }); };
        hitsList.appendChild(li);
      }
      status.textContent = `${found.results.length} result(s): choose one.`;
    } catch (e) {
      error.textContent = e.message;
    }
  });
  document.body.dataset.ready = "1";
})();
