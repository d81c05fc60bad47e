// Citizens' page: search, click the map, see the nearest agencies with routes, ETAs and their details.
"use strict";

// Below this search score the best result shares only part of what was typed (a street the map lacks: "Tạ Quang
// Bửu" finds Phố Tạ Hiện at 0.38); the best of each of the 257 queries of tests/data/search_queries.csv scores 0.79 or
// more, the right place or not (0.79 for a word typed in part, "nguyen kho").
const CLOSE_SCORE = 0.7;

// The search results' numbers, on the map and in the list: apart from the agencies' blue, white on it at 6.6:1.
const RESULT_COLOUR = "#b3261e";
// The agencies' markers: open at the time shown (now, or when the citizen means to go) in blue, closed in grey.
const OPEN_COLOUR = "#0b5cad";
const CLOSED_COLOUR = "#8a8f98";
// A numbered marker's size, pixels (common.js stopIcon): results closer than this on the screen are fanned out.
const MARKER_PX = 18;
// The place results were found near ("bưu điện gần hồ gươm": the lake), outlined: the base map draws no water.
const PLACE_STYLE = { className: "near-place", color: "#0f766e", weight: 3, dashArray: "6 4", fillOpacity: 0.12, interactive: false };

// Suggestions while typing: asked after a pause this long (ms) in a text this long at least, this many.
const SUGGEST_AFTER_MS = 250;
const SUGGEST_FROM_CHARS = 3;
const SUGGESTIONS = 5;

// The days a citizen may choose to go on ("Lúc đến"): today and the next three months, a Tết ahead among them.
const DAYS_AHEAD = 92;
// The time first offered on another day than today, when none was chosen: offices open.
const FIRST_TIME = "08:00";
// The next half hour in Hanoi ("14:30" at 14:05), the time first offered today; the day's last after 23:30.
function nextHalfHour() {
  const [h, m] = hanoiNow().slice(11).split(":").map(Number);
  return hhmm(Math.min(Math.ceil((h * 60 + m + 1) / 30) * 30, 23 * 60 + 30) * 60);
}

// When an agency next opens or closes (``changes_at``, Hanoi time "2026-02-23T08:00"), in words: "mở cửa lúc
// 08:00", with its day when that is not ``day`` (the day the hours were read): "mở cửa lúc 08:00 T2, 23/02".
function changeInWords(a, day) {
  if (!a.changes_at) return "";
  const [date, time] = a.changes_at.split("T");
  const when = date === day ? time
    : `${time} ${new Date(date + "T00:00:00").toLocaleDateString(t("js.date_locale"), JSON.parse(t("js.change_day_options")))}`;
  return t(a.open_now ? "js.closes_at" : "js.opens_at", { time: when });
}

// Whether an agency is open, in words: now, or ``then`` (at a time the citizen chose).
function openInWords(open, then) {
  return t(open ? (then ? "js.open_then" : "js.open_now") : then ? "js.closed_then" : "js.closed_now");
}

// An agency's details (address, operator, hours, procedures) as HTML, for the list and the popups; ``day``: the
// day its hours were read at (today when not said); ``then``: read at a time the citizen chose, not now.
function agencyDetails(a, day = hanoiToday(), then = false) {
  const lines = [];
  if (a.kind) lines.push(`<span class="kind">${esc(kindName(a.kind))}</span>` + (a.public_service_agent ? ` · ${esc(t("js.public_agent"))}` : ""));
  if (a.address) lines.push(`${esc(t("js.address"))}: ${esc(a.address)}`);
  if (a.operator) lines.push(`${esc(t("js.operator"))}: ${esc(a.operator)}`);
  if (a.opening_hours) {
    const state = a.open_now === null || a.open_now === undefined ? "" : openInWords(a.open_now, then);
    const change = changeInWords(a, day);
    lines.push(`${esc(t("js.hours"))}: ${esc(hoursInWords(a.opening_hours))}` + (a.hours_source === "default" ? ` (${esc(t("js.hours_default"))})` : "") +
      (state ? ` — <b class="${a.open_now ? "open" : "closed"}">${esc(state)}</b>` : "") + (change ? ` · ${esc(change)}` : ""));
  }
  if (a.procedures && a.procedures.length) lines.push(`${esc(t("js.procedures"))}: ${a.procedures.map((p) => esc(procedureName(p))).join(", ")}`);
  return lines.map((l) => `<div class="detail">${l}</div>`).join("");
}

(async function () {
  const map = await makeMap("map");
  const status = document.getElementById("status");
  const error = document.getElementById("error");
  const hitsList = document.getElementById("hits");
  const nearestList = document.getElementById("nearest");
  const overlay = L.layerGroup().addTo(map);
  // The search's results on the map, numbered as in the list: where each is, and around what.
  const resultLayer = L.layerGroup().addTo(map);
  let lastQuery = null;
  let lastFrom = null;
  let lastLabel = null;

  // When the citizen means to go, a day and a time (Hanoi time, as the API takes a time without offset); now when
  // no day is chosen.
  const dayChoice = document.getElementById("at-day");
  const timeChoice = document.getElementById("at-time");
  const chosenAt = () => (dayChoice.value ? `${dayChoice.value}T${timeChoice.value}` : "");
  function showWhen(day, time) {
    fillDays(dayChoice, { from: hanoiToday(), count: DAYS_AHEAD, chosen: day, blank: dayChoice.dataset.now });
    fillTimes(timeChoice, { chosen: time });
    timeChoice.disabled = !dayChoice.value;
  }

  // Every agency on the map, open or closed at the time the citizen means to go ("Lúc đến"), else now: closed
  // ones in grey, as the legend says.
  const agencyLayer = L.layerGroup().addTo(map);
  const legend = L.control({ position: "bottomleft" });
  legend.onAdd = () => L.DomUtil.create("div", "legend");
  legend.addTo(map);
  // A search result that is an agency is said by its own kind ("Bưu cục", "Cửa hàng FPT Shop") and its hours, open
  // or closed at the time shown ("bưu điện mở cửa chủ nhật" is answered by the list itself).
  let agencyProps = new Map();
  let agenciesThen = false;
  const agencyMarkers = new Map();
  const agenciesAsked = latestOnly();
  async function drawAgencies() {
    const at = chosenAt();
    const agencies = await agenciesAsked(api("/agencies" + (at ? "?" + new URLSearchParams({ at }) : "")));
    if (agencies === undefined) return;
    const then = Boolean(at);
    const day = at ? at.slice(0, 10) : hanoiToday();
    agencyProps = new Map(agencies.features.map((f) => [f.properties.agency_id, f.properties]));
    agenciesThen = then;
    agencyLayer.clearLayers();
    agencyMarkers.clear();
    for (const f of agencies.features) {
      const a = f.properties;
      if (!a.on_map) continue;
      const [lon, lat] = f.geometry.coordinates;
      const open = a.open_now !== false;
      const marker = L.marker([lat, lon], { icon: pinIcon(open ? OPEN_COLOUR : CLOSED_COLOUR), title: a.name, alt: a.name })
        .bindTooltip(`${esc(a.name)}<br><span class="muted">${esc(kindName(a.kind))}` +
          (a.open_now === null ? "" : ` · ${esc(openInWords(open, then))}`) + "</span>")
        .bindPopup(`<b>${esc(a.name)}</b>${agencyDetails(a, day, then)}`)
        .addTo(agencyLayer);
      agencyMarkers.set(a.agency_id, marker);
    }
    legend.getContainer().innerHTML = [[OPEN_COLOUR, openInWords(true, then)], [CLOSED_COLOUR, openInWords(false, then)]]
      .map(([colour, said]) => `<span class="pin legend-pin" style="background:${colour}"></span> ${esc(said)}`).join("<br>");
  }
  await drawAgencies();
  // An agency asked for by another part of the page (the tracking box: where to collect a result), shown with its
  // details.
  document.addEventListener("show-agency", (event) => {
    const marker = agencyMarkers.get(event.detail);
    if (!marker) return;
    map.setView(marker.getLatLng(), 17);
    marker.openPopup();
  });

  const procedureChoice = document.getElementById("procedure");

  // The procedure a search asked where to take ("đổi bằng lái xe") becomes the filter, shown and kept.
  function chooseProcedure(procedure) {
    if (procedure && [...procedureChoice.options].some((option) => option.value === procedure)) procedureChoice.value = procedure;
  }

  function filters() {
    const out = {};
    const procedure = procedureChoice.value;
    if (procedure) out.procedure = procedure;
    if (document.getElementById("open-now").checked) out.open_now = "true";
    const at = chosenAt();
    if (at) out.at = at;
    return out;
  }

  // What the address keeps of what is shown (common.js keepInAddress): the search, or the point and what it is,
  // with the filters. The citizen's own position is not put there: a link shared would give it away.
  let shown = {};
  function keep(what) {
    shown = what;
    keepInAddress(Object.assign({}, what, filters()));
  }

  // ``from``: what the status line calls the point (the citizen's own position), else the address or the click;
  // ``label``: the place the point is, for the address (null for a click; false for the citizen's position).
  const nearestAsked = latestOnly();
  async function nearest(params, from = null, label = null) {
    lastQuery = params;
    lastFrom = from;
    lastLabel = label;
    keep(label === false ? {} : Object.assign({}, params, { label }));
    resultLayer.clearLayers();
    error.textContent = "";
    status.textContent = t("js.finding");
    // Until the answer comes the list still shows the last place's agencies: marked busy (faded, and said so to
    // screen readers), as from a click while its address is looked up and from a position being found.
    nearestList.setAttribute("aria-busy", "true");
    try {
      const answer = await nearestAsked(api("/agencies/nearest?" + new URLSearchParams(Object.assign({ k: 3 }, params, filters()))));
      if (answer === undefined) return;
      overlay.clearLayers();
      nearestList.innerHTML = "";
      const origin = [answer.origin.lat, answer.origin.lon];
      // A landmark or a street left from all round its edge (a lake), or a ward whose agencies come first: its
      // outline or line, where the routes start.
      const outline = answer.origin.area && L.geoJSON(answer.origin.area, { style: PLACE_STYLE }).addTo(overlay);
      // From a ward: its own agencies first, each said in or outside it.
      const inside = answer.origin.inside;
      const place = answer.origin.label || label;
      const where = (i) => (inside === null || !place ? "" : ` · ${esc(t(i < inside ? "js.in_place" : "js.outside_place", { place }))}`);
      L.marker(origin, { icon: pinIcon("#222", 16), title: t("js.start") }).bindTooltip(answer.origin.label || t("js.your_point")).addTo(overlay);
      // The whole place in view: a ward, a street, a lake, with the routes.
      const bounds = outline ? outline.getBounds().extend(origin) : L.latLngBounds([origin]);
      const day = answer.at.slice(0, 10);
      const then = Boolean(filters().at);
      // Slowest first, so that the fastest route is drawn on top where routes share roads.
      const items = [];
      answer.agencies.slice().reverse().forEach((a, j) => {
        const i = answer.agencies.length - 1 - j;
        const colour = COLOURS[i % COLOURS.length];
        const line = L.geoJSON(a.geometry, { pane: "overlay", style: { color: colour, weight: 5, opacity: 0.85 } })
          .bindTooltip(`${esc(a.name)}: ${fmtMinutes(a.travel_time_s)}`).addTo(overlay);
        bounds.extend(line.getBounds());
        const end = a.geometry.coordinates[a.geometry.coordinates.length - 1];
        L.marker([end[1], end[0]], { icon: pinIcon(colour, 18), title: a.name }).bindPopup(`<b>${esc(a.name)}</b>${agencyDetails(a, day, then)}`).addTo(overlay);
        const li = document.createElement("li");
        li.className = "nearest-item";
        li.innerHTML = `<span class="swatch" style="background:${colour}"></span><b>${esc(a.name)}</b> — ` +
          `${fmtMinutes(a.travel_time_s)}, ${fmtKm(a.distance_m)}${where(i)}${agencyDetails(a, day, then)}` +
          `<button type="button" class="link">${esc(t("js.route"))}</button>`;
        li.querySelector("button").onclick = () => map.fitBounds(line.getBounds(), { maxZoom: 17 });
        items.unshift(li);
      });
      items.forEach((li) => nearestList.appendChild(li));
      map.fitBounds(bounds.pad(0.2), { maxZoom: 16, animate: false });
      let said = answer.agencies.length
        ? from || (answer.origin.label ? t("js.from_label", { label: answer.origin.label }) : t("js.from_click"))
        : t("js.none_open");
      if (inside === 0 && answer.agencies.length && place) said = t("js.none_inside", { place });
      // The public holiday the time falls on, a sentence of its own.
      const holiday = answer.holiday ? t("js.holiday", { name: answer.holiday }) : "";
      status.textContent = holiday ? `${said}${/[.!?]$/.test(said) ? " " : " — "}${holiday}` : said;
      nearestList.removeAttribute("aria-busy");
    } catch (e) {
      status.textContent = "";
      error.textContent = e.message;
      nearestList.removeAttribute("aria-busy");
    }
  }

  // From a place the search found, called by its name: a landmark (a lake) or a street named without a house
  // number from all round its edge or along it, a ward with its own agencies first (``place``: the API knows which).
  const wholePlace = (hit) => hit.kind === "landmark" || hit.kind === "ward" || (hit.kind === "street" && hit.match === "street");
  const nearestFrom = (hit) =>
    nearest(
      Object.assign({ lat: hit.lat.toFixed(6), lon: hit.lon.toFixed(6) }, wholePlace(hit) ? { place: hit.id } : {}),
      t("js.from_label", { label: hit.label }),
      hit.label,
    );

  // A point clicked (or linked without a name): said where it is first, "gần 18 Nguyễn Du, Phường Cửa Nam", so
  // that the citizen sees the click landed where meant; the point alone when that cannot be said.
  async function clicked(point) {
    nearestList.setAttribute("aria-busy", "true");
    const at = await api("/reverse?" + new URLSearchParams(point)).catch(() => null);
    let from = null;
    if (at && at.label) from = t("js.from_click_near", { where: [at.label, at.ward].filter(Boolean).join(", ") });
    else if (at && at.ward) from = t("js.from_click_in", { ward: at.ward });
    return nearest(point, from);
  }
  map.on("click", (e) => clicked({ lat: e.latlng.lat.toFixed(6), lon: e.latlng.lng.toFixed(6) }));
  for (const id of ["procedure", "open-now", "at"]) {
    document.getElementById(id).addEventListener("change", () => (lastQuery ? nearest(lastQuery, lastFrom, lastLabel) : keep(shown)));
  }
  document.getElementById("at").addEventListener("change", () => drawAgencies().catch((e) => (error.textContent = e.message)));
  // A day chosen after "now" starts at the next half hour today, at the offices' opening another day, unless a
  // time was chosen; with "now" there is no time to choose.
  let timeChosen = false;
  timeChoice.addEventListener("change", () => (timeChosen = true));
  dayChoice.addEventListener("change", () => {
    timeChoice.disabled = !dayChoice.value;
    if (!timeChosen && dayChoice.value) timeChoice.value = dayChoice.value === hanoiToday() ? nextHalfHour() : FIRST_TIME;
  });

  // The citizen's own position (the browser asks them first): the nearest agencies from there.
  document.getElementById("locate").addEventListener("click", () => {
    error.textContent = "";
    if (!navigator.geolocation) {
      error.textContent = t("js.locate_failed");
      return;
    }
    status.textContent = t("js.locating");
    nearestList.setAttribute("aria-busy", "true");
    navigator.geolocation.getCurrentPosition(
      (at) => nearest({ lat: at.coords.latitude.toFixed(6), lon: at.coords.longitude.toFixed(6) }, t("js.from_me"), false),
      (why) => {
        nearestList.removeAttribute("aria-busy");
        status.textContent = "";
        error.textContent = t(why.code === why.PERMISSION_DENIED ? "js.locate_denied" : "js.locate_failed");
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  });

  // Found near a point, not a place named ("bưu điện gần đây"): the results say their distance, not the place.
  const nearHere = (found) => !found.near_place && found.results[0].near_m !== null;

  // Where the citizen is or looks: the point chosen, else the map's centre ("bưu điện gần đây", near here).
  function lookingAt() {
    if (lastQuery && lastQuery.lat !== undefined) return lastQuery;
    const centre = map.getCenter();
    return { lat: centre.lat.toFixed(6), lon: centre.lng.toFixed(6) };
  }

  function searchNear(q, focus, k = 8) {
    return api("/search?" + new URLSearchParams({ q, k, focus: `${focus.lat},${focus.lon}` }));
  }

  // Where each result's marker is drawn off its point, pixels, at the map's zoom: results whose markers would
  // overlap (the post offices of one building) are fanned out on a circle round their middle, so that each can be
  // seen and clicked. Overlap is transitive, and two fans that would overlap are one: grouped until none does
  // (Leaflet draws no such fan by itself; its cluster plugin would hide the results behind a count instead).
  function fannedOut(results) {
    const at = results.map((hit) => map.latLngToContainerPoint([hit.lat, hit.lon]));
    const parent = at.map((_, i) => i);
    const root = (i) => (parent[i] === i ? i : (parent[i] = root(parent[i])));
    const overlapping = (points) => {
      let joined = false;
      for (let i = 0; i < points.length; i++) {
        for (let j = i + 1; j < points.length; j++) {
          if (root(i) !== root(j) && points[i].distanceTo(points[j]) < MARKER_PX) {
            parent[root(i)] = root(j);
            joined = true;
          }
        }
      }
      return joined;
    };
    let placed = at;
    for (let again = overlapping(at); again; again = overlapping(placed)) {
      const members = new Map();
      at.forEach((_, i) => members.set(root(i), [...(members.get(root(i)) || []), i]));
      placed = at.map((point, i) => {
        const group = members.get(root(i));
        if (group.length === 1) return point;
        const middle = group.reduce((sum, m) => sum.add(at[m]), L.point(0, 0)).divideBy(group.length);
        // Far enough out that neighbours on the circle do not overlap.
        const radius = Math.max(MARKER_PX * 0.7, MARKER_PX / 2 / Math.sin(Math.PI / group.length) + 1);
        const angle = (2 * Math.PI * group.indexOf(i)) / group.length - Math.PI / 2;
        return middle.add(L.point(radius * Math.cos(angle), radius * Math.sin(angle)));
      });
    }
    return placed.map((point, i) => [Math.round(point.x - at[i].x), Math.round(point.y - at[i].y)]);
  }

  // The results' markers as drawn: fanned out again at each zoom, since markers apart at one zoom overlap at
  // another (zoomed out) and a fan is no longer needed at another (zoomed in).
  let drawn = [];
  map.on("zoomend", () => {
    drawn = drawn.filter(({ marker }) => resultLayer.hasLayer(marker));
    const shifts = fannedOut(drawn.map(({ hit }) => hit));
    drawn.forEach(({ marker, number }, i) => marker.setIcon(stopIcon(RESULT_COLOUR, number, "result", shifts[i])));
  });

  // What a result is, as HTML: what is there, its ward, its kind, how it was placed and how far it is.
  function aboutHit(hit) {
    const how = hit.match === "interpolated" ? t("js.match_interpolated") : hit.match === "street" && hit.kind === "street" ? t("js.match_street") : "";
    const where = hit.kind === "ward" ? "" : hit.ward;
    // An address point may carry the name of what is there ("Bệnh viện K" at 43 Quán Sứ).
    const named = hit.kind === "address" && hit.name !== hit.label ? hit.name : "";
    // Found near a place ("bưu điện gần hồ gươm"): how far from it.
    const d = hit.near_m === null ? "" : hit.near_m < 1000 ? t("js.m", { n: hit.near_m }) : fmtKm(hit.near_m);
    // 0 m from an area or a line: in the ward, on the street.
    const away = hit.near ? t(hit.near_m === 0 ? "js.in_place" : "js.near_m", { place: hit.near, d }) : d ? t("js.away", { d }) : "";
    const agency = agencyProps.get(hit.id);
    const hours = agency && agency.opening_hours ? hoursInWords(agency.opening_hours) +
      (agency.open_now === null ? "" : ` (${openInWords(agency.open_now, agenciesThen)})`) : "";
    return [named, where, kindName(agency ? agency.kind : hit.kind), how, away, hours].filter(Boolean).map(esc).join(" · ");
  }

  // A search's results listed and on the map, numbered alike; ``mine``: found near the citizen's own position.
  function showResults(found, mine) {
    hitsList.innerHTML = "";
    resultLayer.clearLayers();
    const bounds = L.latLngBounds(found.results.map((hit) => [hit.lat, hit.lon]));
    if (found.near_place) {
      const place = L.geoJSON(found.near_place.geometry, {
        style: PLACE_STYLE, pointToLayer: (_, at) => L.circleMarker(at, { ...PLACE_STYLE, radius: 8 }),
      }).addTo(resultLayer);
      bounds.extend(place.getBounds());
    }
    map.fitBounds(bounds.pad(0.2), { maxZoom: 17, animate: false });
    const shifts = fannedOut(found.results);
    drawn = [];
    found.results.forEach((hit, i) => {
      const li = document.createElement("li");
      li.className = "hit";
      const badge = `<span class="stop badge" style="background:${RESULT_COLOUR}">${i + 1}</span>`;
      li.innerHTML = `<button type="button">${badge}${esc(hit.label)} <span class="muted">${aboutHit(hit)}</span></button>`;
      const choose = () => { hitsList.innerHTML = ""; nearestFrom(hit); };
      li.querySelector("button").onclick = choose;
      hitsList.appendChild(li);
      const marker = L.marker([hit.lat, hit.lon], { icon: stopIcon(RESULT_COLOUR, i + 1, "result", shifts[i]), title: hit.label, zIndexOffset: 1000 })
        .bindTooltip(`${i + 1}. ${esc(hit.label)}`).on("click", choose)
        .on("keypress", (e) => e.originalEvent.key === "Enter" && choose()).addTo(resultLayer);
      drawn.push({ hit, marker, number: i + 1 });
    });
    // Results near a place score by their distance too: low scores there say "far", not "unlike what was typed".
    // The place, not the first result's: that may be the place itself ("bưu điện tràng t": Bưu điện Tràng Tiền).
    const near = found.near_place && found.near_place.label;
    const here = nearHere(found);
    const close = !near && !here && found.results[0].score < CLOSE_SCORE;
    const said = near ? "js.results_near" : mine ? "js.results_mine" : here ? "js.results_here" : close ? "js.results_close" : "js.results";
    const taking = found.procedure ? t("js.taking", { procedure: procedureName(found.procedure) }) : "";
    status.textContent = taking + t(said, { n: found.results.length, place: near });
    hitsList.querySelector("button").focus();
  }

  // Suggestions while the citizen types, as a combobox does: a pause in typing asks for the best few, the arrow
  // keys choose among them, Enter or a click takes one (its nearest agencies, as a result chosen), Escape closes
  // them; the search button still searches what was typed. An answer that comes after more typing is dropped.
  const input = document.getElementById("q");
  const box = document.getElementById("suggestions");
  const suggestedStatus = document.getElementById("suggested");
  let offered = [];
  let offeredFor = null;
  let active = -1;
  let asked = 0;
  let pause = 0;

  function closeSuggestions() {
    clearTimeout(pause);
    asked += 1;
    offered = [];
    offeredFor = null;
    active = -1;
    box.hidden = true;
    box.innerHTML = "";
    suggestedStatus.textContent = "";
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(i) {
    active = i;
    box.querySelectorAll("li").forEach((li, j) => li.setAttribute("aria-selected", String(j === i)));
    if (i < 0) return input.removeAttribute("aria-activedescendant");
    input.setAttribute("aria-activedescendant", `suggestion-${i}`);
    box.children[i].scrollIntoView({ block: "nearest" });
  }

  function take(hit) {
    chooseProcedure(offeredFor);
    closeSuggestions();
    input.value = hit.label;
    hitsList.innerHTML = "";
    nearestFrom(hit);
  }

  async function suggest(q, ask) {
    try {
      const found = await searchNear(q, lookingAt(), SUGGESTIONS);
      if (ask !== asked) return;
      offered = found.results;
      offeredFor = found.procedure;
      box.innerHTML = "";
      offered.forEach((hit, i) => {
        const li = document.createElement("li");
        li.id = `suggestion-${i}`;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.innerHTML = `${esc(hit.label)} <span class="muted">${aboutHit(hit)}</span>`;
        // Taken on mousedown, before the box loses the focus.
        li.addEventListener("mousedown", (event) => { event.preventDefault(); take(hit); });
        box.appendChild(li);
      });
      box.hidden = !offered.length;
      // In view in the side panel with the search box, scrolled no more than needed (a phone's panel is short).
      if (offered.length) {
        box.scrollIntoView({ block: "nearest" });
        input.scrollIntoView({ block: "nearest" });
      }
      input.setAttribute("aria-expanded", String(offered.length > 0));
      suggestedStatus.textContent = offered.length ? t("js.suggested", { n: offered.length }) : "";
    } catch (e) {
      // Typing goes on: a suggestion that failed is no error to show; the search says it when asked.
      if (ask === asked) closeSuggestions();
    }
  }

  input.addEventListener("input", () => {
    closeSuggestions();
    const q = input.value.trim();
    if (q.length < SUGGEST_FROM_CHARS) return;
    const ask = asked;
    pause = setTimeout(() => suggest(q, ask), SUGGEST_AFTER_MS);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !box.hidden) {
      event.preventDefault();  // a search box clears itself on Escape: the suggestions close, the text stays
      closeSuggestions();
    } else if ((event.key === "ArrowDown" || event.key === "ArrowUp") && offered.length) {
      event.preventDefault();
      // Down from the last, or up from the first, back to the text typed.
      const next = active + (event.key === "ArrowDown" ? 1 : -1);
      highlight(next >= offered.length ? -1 : next < -1 ? offered.length - 1 : next);
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      take(offered[active]);
    }
  });
  input.addEventListener("blur", closeSuggestions);

  async function search(q) {
    closeSuggestions();
    error.textContent = "";
    hitsList.innerHTML = "";
    resultLayer.clearLayers();
    // Kept at once, so that a search refused is kept too (a language switch says the refusal again); kept again
    // with the procedure it asked for, as the filter.
    keep({ q });
    try {
      const focus = lookingAt();
      const chosen = focus === lastQuery;
      const found = await searchNear(q, focus);
      chooseProcedure(found.procedure);
      keep({ q });
      if (!found.results.length) {
        // None of the kind asked takes the procedure ("fpt shop làm hộ chiếu"): said so, not "nothing found".
        const none = found.procedure ? t("js.none_taking", { procedure: procedureName(found.procedure) }) : t("js.nothing_found");
        status.textContent = found.elsewhere ? t("js.elsewhere", { province: found.elsewhere }) : none;
        return;
      }
      showResults(found, false);
      // Near here with no point chosen: near the citizen, when the browser may say where they are (it asks them
      // first); else the results near the map's centre stay, and the status line says so.
      if (!chosen && nearHere(found) && navigator.geolocation) {
        navigator.geolocation.getCurrentPosition(async (at) => {
          try {
            const mine = await searchNear(q, { lat: at.coords.latitude.toFixed(6), lon: at.coords.longitude.toFixed(6) });
            // Unless another search was asked meanwhile.
            if (document.getElementById("q").value === q && mine.results.length) showResults(mine, true);
          } catch (e) {
            error.textContent = e.message;
          }
        }, () => {}, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      }
    } catch (e) {
      error.textContent = e.message;
    }
  }
  document.getElementById("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    search(input.value);
  });

  // A link to what another citizen saw (the address kept above): its filters, then its point or its search.
  const linked = new URLSearchParams(location.search);
  chooseProcedure(linked.get("procedure"));
  document.getElementById("open-now").checked = linked.get("open_now") === "true";
  const linkedAt = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})$/.exec(linked.get("at") || "");
  showWhen(linkedAt ? linkedAt[1] : "", linkedAt ? linkedAt[2] : FIRST_TIME);
  timeChosen = Boolean(linkedAt);
  if (chosenAt()) await drawAgencies();
  const label = linked.get("label");
  if (linked.get("lat") && linked.get("lon")) {
    const point = { lat: linked.get("lat"), lon: linked.get("lon") };
    if (linked.get("place")) point.place = linked.get("place");
    if (label) nearest(point, t("js.from_label", { label }), label);
    else clicked(point);
  } else if (linked.get("q")) {
    input.value = linked.get("q");
    search(linked.get("q"));
  }
  document.body.dataset.ready = "1";
})();
