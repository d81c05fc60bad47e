// Dispatch page: a stored plan's routes (one colour per postman), numbered stops and the stop list with times.
"use strict";

(async function () {
  const map = await makeMap("map");
  const { token, me } = await staffAccess("token", "agencynet.dispatcher", ["dispatcher"]);
  const status = document.getElementById("status");
  const error = document.getElementById("error");
  const select = document.getElementById("plans");
  const overlay = L.layerGroup().addTo(map);
  const seen = L.layerGroup().addTo(map); // where each postman's phone was last seen, when following a day
  let fitted = null; // the plan (id/version) the map was last fitted to
  let fittedNow = null; // the bounds it was fitted to by the last drawing, null when that drawing kept the view
  const planMap = document.getElementById("plan-map");

  // A plan said by its working day when it has one ("Kế hoạch ngày 04/02/2026, phiên bản 2"), else by its id.
  const listed = {};
  const planWords = (id, version) => (listed[id]?.date
    ? t("js.day_plan", { day: fmtDate(listed[id].date), version }) : t("js.version", { id, version }));

  async function listPlans(selected) {
    if (!token() && !me) return;
    try {
      const plans = await api("/plans", { token: token() });
      for (const p of plans) listed[p.id] = p;
      select.innerHTML = '<option value="">—</option>' +
        // Two plans of one day told apart by when they were made.
        plans.map((p) => `<option value="${esc(p.id)}">${esc(planWords(p.id, p.version))} · ` +
          `${esc(t("js.made_at", { when: fmtWhen(hanoiTime(p.created_at)) }))}</option>`).join("");
      if (selected) select.value = selected;
    } catch (e) { error.textContent = e.message; }
  }

  // The address names what is shown, the plan and the day followed, to come back to or to send on.
  function linkTo(key, value) {
    const query = new URLSearchParams(location.search);
    query.set(key, value);
    history.replaceState(null, "", "?" + query);
  }

  // Two plans chosen in a row: the first, answered last, is not drawn over the second.
  const planAsked = latestOnly();
  async function show(planId) {
    error.textContent = "";
    status.textContent = t("js.loading", { id: planId });
    try {
      const both = await planAsked(Promise.all([
        api(`/plans/${encodeURIComponent(planId)}`, { token: token() }),
        api(`/plans/${encodeURIComponent(planId)}/geojson`, { token: token() }),
      ]));
      if (both === undefined) return;
      const [answer, geojson] = both;
      // The menu names the plan drawn (it stayed at "—" when following a day drew the day's plan), listed again
      // when it is new or has changed.
      if (!(planId in listed) || listed[planId].version !== answer.version) await listPlans(planId);
      select.value = planId;
      draw(answer, geojson);
      planMap.dataset.plan = planId;
      planMap.disabled = false;
      status.textContent = planWords(planId, answer.version) + (answer.synthetic ? t("js.synthetic") : "");
      linkTo("plan", planId);
    } catch (e) { status.textContent = ""; error.textContent = e.message; }
  }

  // A place without a name: an applicant's address, whose words only those carrying the dossier read, said by
  // its dossier ("address:2026Q4-001616" was shown as it stands).
  const placeName = (place) => (place.startsWith("address:") ? t("js.applicant_home", { code: place.slice(8) }) : place);

  function draw(answer, geojson) {
    overlay.clearLayers();
    seen.clearLayers();
    const postmen = [...new Set(geojson.features.map((f) => f.properties.postman))].sort();
    const colour = Object.fromEntries(postmen.map((p, i) => [p, COLOURS[i % COLOURS.length]]));
    // A postman said by his full name (a plan stored before names were kept gives only his id).
    const said = Object.fromEntries(geojson.features.map((f) => [f.properties.postman, f.properties.postman_name || f.properties.postman]));
    const bounds = L.latLngBounds([]);
    for (const f of geojson.features) {
      const p = f.properties;
      if (f.geometry.type === "LineString" && f.geometry.coordinates.length) {
        const line = L.geoJSON(f, { pane: "overlay", style: { color: colour[p.postman], weight: 4, opacity: 0.85 } })
          .bindTooltip(`${esc(said[p.postman])}: ${esc(t("js.driving", { km: fmtKm(p.distance_m), minutes: fmtMinutes(p.travel_time_s) }))}`).addTo(overlay);
        bounds.extend(line.getBounds());
      } else if (f.geometry.type === "Point") {
        const [lon, lat] = f.geometry.coordinates;
        L.marker([lat, lon], { icon: stopIcon(colour[p.postman], p.seq), title: `${said[p.postman]} #${p.seq}` })
          .bindTooltip(`${esc(said[p.postman])} #${p.seq} ${esc(kindName(p.kind))} ${esc(p.task || "")} ${esc(t("js.stop_at", { time: hhmm(p.arrival) }))}<br>${esc(p.name)}`)
          .addTo(overlay);
        bounds.extend([lat, lon]);
      }
    }
    // Fitted to a plan when it is first drawn, not when the day followed is drawn again every 30 s (the map the
    // dispatcher had moved jumped back). One place has bounds of no size: zoom capped.
    const drawn = `${answer.id}/${answer.version}`;
    fittedNow = bounds.isValid() && fitted !== drawn ? bounds : null;
    if (fittedNow) map.fitBounds(bounds.pad(0.1), { maxZoom: 17, animate: false });
    fitted = drawn;
    const totals = answer.plan.totals;
    const summary = t("js.summary", { vehicles: totals.vehicles, km: fmtKm(totals.distance_m), unserved: totals.unserved,
      check: !answer.check ? t("js.check_bad")
        : answer.shortfalls?.length ? t("js.check_short", { n: answer.shortfalls.length }) : t("js.check_ok") });
    // A working day's plan says what waits by dossier, with the day (its tasks' numbers mean nothing to a reader).
    const tasksLeft = listed[answer.id]?.date ? [] : answer.plan.unserved;
    document.getElementById("summary").innerHTML = `<p>${esc(summary)}</p>` +
      tasksLeft.map((u) => `<div class="muted">${esc(t("js.unserved", { task: u.task, reason: u.message || u.reason }))}</div>`).join("");
    const names = Object.fromEntries(geojson.features.filter((f) => f.geometry.type === "Point")
      .map((f) => [f.properties.postman + "#" + f.properties.seq, f.properties.name]));
    document.getElementById("stops").innerHTML = answer.plan.routes.filter((r) => r.stops.length > 2).map((r) =>
      `<h3><span class="swatch" style="background:${colour[r.postman]}"></span>${esc(said[r.postman])}</h3>` +
      `<table class="stop-table"><tr><th>#</th>${["col_time", "col_stop", "col_task", "col_place"].map((c) => `<th>${esc(t("js." + c))}</th>`).join("")}</tr>` +
      r.stops.map((s, i) => `<tr><td>${i}</td><td>${hhmm(s.arrival)}</td><td>${esc(kindName(s.kind))}</td><td>${esc(s.task || "")}</td>` +
        `<td class="place">${esc(names[r.postman + "#" + i] || placeName(s.place))}</td></tr>`).join("") + "</table>").join("");
  }

  document.getElementById("load").onclick = () => select.value && show(select.value);
  planMap.onclick = () => openMapPage(`/plans/${encodeURIComponent(planMap.dataset.plan)}/map.html`, token())
    .catch((e) => { error.textContent = e.message; });
  select.onchange = () => select.value && show(select.value);
  document.getElementById("token")?.addEventListener("change", () => { listPlans(); listGaps(); });
  document.getElementById("generate").addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    status.textContent = t("js.planning");
    try {
      const body = { generate: +document.getElementById("n").value, postmen: +document.getElementById("k").value, seed: 1 };
      const answer = await api("/plans", { method: "POST", token: token(), body });
      await show(answer.id);
    } catch (e) { status.textContent = ""; error.textContent = e.message; }
  });

  // The working day from the dossiers: plan it, follow it (done, late, remaining), re-plan from now.
  const dayInput = document.getElementById("day");
  const dayStatus = document.getElementById("day-counts");
  const balanced = document.getElementById("balanced");
  let tickedFor = null;
  // Today in Hanoi, unless the address names a day; the month before and the fortnight after to choose from.
  const linkedDay = new URLSearchParams(location.search).get("date");
  fillDays(dayInput, { from: addDays(hanoiToday(), -30), count: 45, chosen: isDay(linkedDay) ? linkedDay : hanoiToday() });
  const dayPath = () => `/days/${encodeURIComponent(dayInput.value)}`;
  let following = null;

  // A day's stops as rows; a visit names its place once, across its rows. What was recorded at a stop says when,
  // the record or why it failed, and flags an event recorded far from its stop; a handover still to do, its record.
  function dayRows(stops) {
    return visitsOf(stops).map((visit) => visit.map((s, k) => {
      const span = visit.length > 1 ? ` rowspan="${visit.length}"` : "";
      const place = k === 0 ? `<td class="place"${span}>${esc(s.name || placeName(s.place))}</td>` : "";
      // A handover still to do: the number of the record the system issued for the visit, to sign there.
      const toSign = s.handover_record ? `<td class="recorded">${esc(t("handover.to_sign", { no: s.handover_record }))}</td>` : "<td></td>";
      // The photo taken there (the door nobody opened): opened in a tab of its own.
      const photo = photoPath(dayInput.value, s);
      const shown = photo ? ` <button type="button" class="secondary photo" data-photo="${esc(photo)}">${esc(t("js.photo_link"))}</button>` : "";
      const recorded = s.recorded ? `<td class="recorded${s.recorded.far ? " far" : ""}">${esc(recordedWords(s.recorded))}${shown}</td>` : toSign;
      return `<tr class="day-${esc(s.status)}"><td>${s.seq}</td><td>${esc(s.arrival)}</td>` +
        `<td>${esc(kindName(s.kind))}${s.door_try > 1 ? " · " + esc(t("js.door_try", { n: s.door_try })) : ""}` +
        `${s.told ? " · " + esc(toldWords(s)) : ""}</td><td>${esc(s.task)}</td>${place}<td>${esc(stopStatusWords(s))}</td>${recorded}</tr>`;
    }).join("")).join("");
  }

  // Each postman where his phone was at his newest event that said it; a plan just fitted is fitted with these
  // too, so that a postman seen off his route is in view.
  function drawSeen(routes) {
    seen.clearLayers();
    const positions = [];
    for (const r of routes) {
      if (!r.last_seen) continue;
      const words = t("js.last_seen", { name: r.postman_name || r.postman, at: r.last_seen.at });
      positions.push([r.last_seen.lat, r.last_seen.lon]);
      L.circleMarker(positions.at(-1), { pane: "overlay", radius: 9, color: "#222", weight: 3, fillColor: "#ffd92f", fillOpacity: 1 })
        .bindTooltip(esc(words)).addTo(seen);
    }
    if (fittedNow && positions.length) {
      const all = L.latLngBounds(fittedNow.getSouthWest(), fittedNow.getNorthEast()).extend(L.latLngBounds(positions));
      map.fitBounds(all.pad(0.1), { maxZoom: 17, animate: false });
    }
  }

  // The dossiers the day leaves waiting, their codes under each reason ("BHXH ... không làm việc ngày này: ..."); a
  // unit without a location is placed from there, and a dossier still in a postman's bag links to the day he
  // picked it up, where it is recorded.
  function waitingList(unserved) {
    if (!unserved.length) return "";
    const byReason = new Map();
    for (const u of unserved) {
      const unplaced = u.reason_code === "authority_unlocated" ? u.values.authority : null;
      const carriedOn = u.reason_code === "still_carried" ? u.values.day : null;
      byReason.set(u.message, { unplaced, carriedOn, codes: [...(byReason.get(u.message)?.codes || []), u.code] });
    }
    return `<h3>${esc(t("js.day_waiting", { n: unserved.length }))}</h3><ul class="waiting">` +
      [...byReason].map(([why, { unplaced, carriedOn, codes }]) => `<li>${esc(why)}: ${esc(codes.join(", "))}` +
        (unplaced ? ` <button type="button" data-place="${esc(unplaced)}">${esc(t("js.place"))}</button>` : "") +
        (carriedOn ? ` <a href="/dispatch?date=${esc(carriedOn)}">${esc(t("js.see_day", { day: fmtDate(carriedOn) }))}</a>` : "") +
        "</li>").join("") + "</ul>";
  }

  async function follow() {
    error.textContent = "";
    try {
      const day = await api(dayPath(), { token: token() });
      await show(day.id);
      drawSeen(day.routes);
      linkTo("date", dayInput.value);
      dayStatus.textContent = t("js.day_counts", day.counts) +
        (day.balance ? " · " + t("js.day_balanced", { back: day.balance.back }) : "");
      // The tick as the day was planned, once per day shown (the redrawing every 30 s keeps what was ticked since).
      if (tickedFor !== dayInput.value) balanced.checked = Boolean(day.balance);
      tickedFor = dayInput.value;
      const waiting = document.getElementById("day-waiting");
      waiting.innerHTML = waitingList(day.unserved);
      for (const button of waiting.querySelectorAll("button[data-place]")) {
        button.onclick = () => placeByCode(button.dataset.place);
      }
      // How far behind his plan each postman is, today only (a past day's clock is its end: every open stop late).
      const behindWords = (r) => (r.behind_min && dayInput.value === hanoiToday()
        ? ` <span class="behind">${esc(t("js.behind", { minutes: r.behind_min }))}</span>` : "");
      const stops = document.getElementById("day-stops");
      stops.innerHTML = day.routes.map((r, i) =>
        `<h3>${esc(r.postman_name || r.postman)}${behindWords(r)}</h3>` +
        `<p><button type="button" class="secondary sheet" data-postman="${esc(r.postman)}">${esc(t("js.print_route"))}</button></p>` +
        (r.closed ? `<p class="route-closed">${esc(t("js.route_closed"))}</p>` : shiftForm(r, i)) +
        `<table class="stop-table"><tr><th>#</th>` +
        ["col_time", "col_stop", "col_task", "col_place", "col_status", "col_recorded"].map((c) => `<th>${esc(t("js." + c))}</th>`).join("") + "</tr>" +
        dayRows(r.stops.filter((s) => s.task)) + "</table>" + carriedBackList(r.carried_back, "h4")).join("");
      // His route sheet in a tab of its own, to print (by the session, or fetched with the token).
      for (const button of stops.querySelectorAll("button.sheet")) {
        const path = `${dayPath()}/sheet?${new URLSearchParams({ postman: button.dataset.postman, lang: LANG })}`;
        button.onclick = () => openInTab(path, token()).catch((e) => { error.textContent = e.message; });
      }
      for (const button of stops.querySelectorAll("button[data-photo]")) {
        button.onclick = () => openInTab(button.dataset.photo, token()).catch((e) => { error.textContent = e.message; });
      }
      for (const button of stops.querySelectorAll("button[data-carried]")) {
        button.onclick = () => recordBroughtBack(button.dataset.carried);
      }
      for (const form of stops.querySelectorAll("form.shift-end")) {
        const input = form.querySelector("select");
        fillTimes(input, { step: 5, chosen: input.dataset.chosen });
        input.oninput = () => endsTyped.set(form.dataset.postman, input.value);
        form.onsubmit = (event) => { event.preventDefault(); endShift(form.dataset.postman, input.value); };
      }
      clearTimeout(following);
      following = setTimeout(follow, 30000);
    } catch (e) { error.textContent = e.message; }
  }

  // A postman back at his post office with what a re-plan took off his route, said on the phone: the dispatcher
  // records it for him.
  async function recordBroughtBack(task) {
    error.textContent = "";
    try {
      const answer = await api(dayPath() + "/events", { method: "POST", token: token(), body: broughtBack(task) });
      await follow();
      // Said once the day is drawn again (drawing says which plan it loads).
      status.textContent = t("js.carried_recorded", { codes: answer.moves.map((m) => m.code).join(", ") });
    } catch (e) { error.textContent = e.message; }
  }

  // ``said(answer)`` gives what ``words`` name besides the day's figures; ``words`` may depend on the answer.
  async function act(path, body, words, said = () => ({})) {
    error.textContent = "";
    status.textContent = t("js.planning");
    try {
      const answer = await api(dayPath() + path, { method: "POST", token: token(), body });
      if (answer.id) await follow();
      // What was done stays said (drawing the plan said only its name and version).
      const key = typeof words === "function" ? words(answer) : words;
      status.textContent = t(key, { day: fmtDate(dayInput.value), served: answer.served_dossiers, dossiers: answer.dossiers,
        added: answer.added, version: answer.version, ...said(answer) });
    } catch (e) { status.textContent = ""; error.textContent = e.message; }
  }

  // A postman sent home (taken ill, his motorbike broken down) or kept late: his shift's new end, by default now on
  // the day itself. The service re-plans: he is back at his post office by then (at once if he cannot be) and
  // the others take the stops he no longer makes. What is typed outlives the page's redrawing every 30 s.
  const endsTyped = new Map();
  function shiftForm(r, i) {
    if (!r.shift) return "";
    const name = r.postman_name || r.postman;
    const end = r.shift.split("-")[1];
    const value = endsTyped.get(r.postman) ?? (dayInput.value === hanoiToday() ? hanoiNow().slice(11, 16) : end);
    return `<form class="row shift-end" data-postman="${esc(r.postman)}">` +
      `<span>${esc(t("js.shift_of", { shift: r.shift.replace("-", "–") }))}</span>` +
      `<label for="shift-end-${i}">${esc(t("js.shift_end"))}</label>` +
      `<select id="shift-end-${i}" data-chosen="${esc(value)}" required title="${esc(t("js.shift_end_help", { name }))}"></select>` +
      `<button type="submit">${esc(t("js.shift_end_apply"))}</button></form>`;
  }
  function endShift(postman, end) {
    if (!end) return;
    endsTyped.delete(postman);
    act("/replan", { shift_ends: { [postman]: end } }, "js.shift_ended", (answer) => {
      const route = answer.routes.find((r) => r.postman === postman);
      return { name: route?.postman_name || postman, end: route?.shift?.split("-")[1] || end };
    });
  }

  // The day's postmen and their shifts, which "Lập kế hoạch ngày" plans with (a postman off that day unticked).
  const crewBox = document.getElementById("crew");
  const crewField = (kind, i) => document.getElementById(`crew-${kind}-${i}`);
  let crew = [];
  async function listCrew() {
    if (!token() && !me) return;
    crew = await api("/postmen", { token: token() });
    crewBox.hidden = !crew.length;
    // One card a postman, its fields wrapping within the side panel (a table's seven columns ran out of it).
    document.getElementById("crew-rows").innerHTML = crew.map((p, i) => {
      const name = p.name || p.id;
      const field = (kind, words, control) =>
        `<label>${esc(t(`js.${words}_short`))} ` +
        `${control(`id="crew-${kind}-${i}" aria-label="${esc(t(`js.${words}`, { name }))}"`)}</label>`;
      const time = (attributes) => `<select ${attributes}></select>`;
      const load = (attributes) =>
        `<input type="number" value="${p.capacity}" min="1" max="10000" step="1" inputmode="numeric" ${attributes}>`;
      const button = (kind, words) =>
        `<button type="button" id="crew-${kind}-${i}" aria-label="${esc(t(`js.${words}`, { name }))}">` +
        `${esc(t(`js.${words}_short`))}</button>`;
      return `<li><label class="crew-who"><input type="checkbox" id="crew-on-${i}" checked ` +
        `aria-label="${esc(t("js.crew_works", { name }))}"> <span>${esc(name)}</span>` +
        `${p.depot_name ? ` <span class="muted">· ${esc(p.depot_name)}</span>` : ""}</label>` +
        `<div class="crew-fields">${field("from", "crew_from", time)}${field("to", "crew_to", time)}` +
        `${field("load", "crew_load", load)}` +
        `</div><div class="crew-actions">${button("keep", "crew_keep")} ${button("join", "crew_join")}</div></li>`;
    }).join("");
    crew.forEach((p, i) => {
      const [begin, end] = p.shift.split("-");
      fillTimes(crewField("from", i), { step: 15, chosen: begin });
      fillTimes(crewField("to", i), { step: 15, chosen: end });
      crewField("keep", i).onclick = () => keepShift(i);
      crewField("join", i).onclick = () => callIn(p, i);
    });
    sayCrew();
  }
  // A row's shift, "HH:MM-HH:MM"; null when it does not end after it starts (said why).
  function rowShift(p, i) {
    const begin = crewField("from", i).value;
    const end = crewField("to", i).value;
    if (begin && end && begin < end) return `${begin}-${end}`;
    error.textContent = t("js.crew_order", { name: p.name || p.id });
    return null;
  }
  // A row's capacity, whole dossier units; null when it is not one (said why).
  function rowLoad(p, i) {
    const load = Number(crewField("load", i).value);
    if (Number.isInteger(load) && load >= 1 && load <= 10000) return load;
    error.textContent = t("js.crew_load_bad", { name: p.name || p.id });
    return null;
  }
  // The hours and the capacity set in a row kept as the postman's usual ones: the days after are planned with them
  // (the capacity sent only when it changed from what was kept, so an account on the default keeps following it).
  async function keepShift(i) {
    const p = crew[i];  // as last kept
    error.textContent = "";
    const shift = rowShift(p, i);
    const capacity = shift && rowLoad(p, i);
    if (!capacity) return;
    const path = `/postmen/${encodeURIComponent(p.id)}`;
    try {
      let kept = await api(`${path}/shift`, { method: "PUT", token: token(), body: { shift } });
      if (capacity !== p.capacity) kept = await api(`${path}/capacity`, { method: "PUT", token: token(), body: { capacity } });
      crew[i] = kept;
      status.textContent = t("js.crew_kept", { name: kept.name || kept.id, shift: kept.shift.replace("-", "–"), capacity: kept.capacity });
    } catch (e) { error.textContent = e.message; }
  }
  function sayCrew() {
    const on = crew.filter((_, i) => crewField("on", i).checked).length;
    document.getElementById("crew-summary").textContent = t("js.crew_summary", { n: on, total: crew.length });
  }
  crewBox.addEventListener("change", sayCrew);

  // A row as the service takes a postman; null when its shift is wrong (said why).
  function crewRecord(p, i) {
    const shift = rowShift(p, i);
    const capacity = shift && rowLoad(p, i);
    return capacity && { id: p.id, depot: p.depot, capacity, lunch: p.lunch, shift };
  }
  // What "Lập kế hoạch ngày" sends: the postmen ticked, with their shifts; null when a shift is wrong (said why).
  function crewBody() {
    if (!crew.length) return {};
    const postmen = [];
    for (const [i, p] of crew.entries()) {
      if (!crewField("on", i).checked) continue;
      const record = crewRecord(p, i);
      if (!record) return null;
      postmen.push(record);
    }
    if (!postmen.length) error.textContent = t("js.crew_none");
    return postmen.length ? { postmen } : null;
  }
  // A substitute called in to the day planned (one sent home, a busy day): he leaves his post office now, or when
  // his shift begins, and the day is re-planned with him.
  function callIn(p, i) {
    error.textContent = "";
    const record = crewRecord(p, i);
    if (record) act("/replan", { joining: [record] }, "js.called_in", () => ({ name: p.name || p.id }));
  }

  document.getElementById("day-form").addEventListener("submit", (event) => { event.preventDefault(); follow(); });
  // Balanced: the last postman back as early as possible, then no one out longer than needed, said beside the
  // cheapest plan (the service's default).
  const hours = (s) => t("js.hours_minutes", { h: Math.floor(s / 3600), m: Math.floor(s % 3600 / 60) });
  const balanceSaid = (b) => b ? { back: b.back, longest: hours(b.longest_s), cost: num(b.cost, 0),
    cheapest_back: b.cheapest_back, cheapest_longest: hours(b.cheapest_longest_s), cheapest_cost: num(b.cheapest_cost, 0) } : {};
  document.getElementById("plan-day").onclick = () => {
    const body = crewBody();
    if (body) {
      act("/plan", { ...body, balanced: balanced.checked },
        (answer) => answer.balance ? "js.day_planned_balanced" : "js.day_planned", (answer) => balanceSaid(answer.balance));
    }
  };
  // From now on the day itself, from its start on a coming day: the service's clock, not the browser's.
  document.getElementById("replan").onclick = () => act("/replan", {}, "js.day_replanned");

  // Units the map has no place for: their dossiers wait until someone who knows where the committee sits places
  // it, by a click on the map (the pin dragged to the door) or by its address.
  const gaps = document.getElementById("gaps");
  const placing = document.getElementById("placing");
  const placingWords = document.getElementById("placing-words");
  const save = document.getElementById("place-save");
  const pinLayer = L.layerGroup().addTo(map);
  let unit = null;
  let pin = null;

  // Who placed a unit: the person's full name, else the account's, or the token of a role.
  const placer = (u) => u.located_by_name || (u.located_by.startsWith("token:")
    ? t("js.token_of", { role: t("role." + u.located_by.slice(6)) }) : u.located_by);

  // The units without a location that dossiers wait for, and those placed by a person (to correct or forget).
  let units = [];
  async function listGaps() {
    if (!token() && !me) return;
    const registry = await api("/authorities", { token: token() });
    listHours(registry);
    units = registry.filter((u) => u.lat === null && u.open_dossiers > 0);
    const placed = registry.filter((u) => u.source === "operator");
    gaps.hidden = !units.length && !placed.length && !unit;
    const choose = (u, words) =>
      `<button type="button" data-code="${esc(u.code)}" aria-pressed="${u.code === unit?.code}">${esc(t(words))}</button>`;
    document.getElementById("gap-list").innerHTML = units.map((u) =>
      `<li><span>${esc(t("js.unit_open", { said: u.said, n: u.open_dossiers }))}</span>${choose(u, "js.place")}</li>`).join("");
    document.getElementById("unplaced").hidden = !units.length;
    document.getElementById("placed-title").hidden = !placed.length;
    document.getElementById("placed-list").innerHTML = placed.map((u) =>
      `<li><span>${esc(t("js.placed_by", { said: u.said, who: placer(u), when: fmtWhen(hanoiTime(u.located_at)) }))}` +
      `</span>${choose(u, "js.replace")}` +
      `<button type="button" data-forget="${esc(u.code)}">${esc(t("js.unplace"))}</button></li>`).join("");
    const known = [...units, ...placed];
    for (const button of gaps.querySelectorAll("button[data-code]")) {
      button.onclick = () => startPlacing(known.find((u) => u.code === button.dataset.code));
    }
    for (const button of gaps.querySelectorAll("button[data-forget]")) {
      button.onclick = () => forget(placed.find((u) => u.code === button.dataset.forget));
    }
  }

  // Office hours: the units with their own (a one-stop counter open on Saturday mornings), given back the usual
  // ones with a click, and any unit given its own; the plans made from then on serve its stops in them.
  const officeHours = document.getElementById("office-hours");
  const hoursUnit = document.getElementById("hours-unit");
  const hoursText = document.getElementById("hours-text");
  let registryUnits = [];
  function listHours(registry) {
    officeHours.hidden = false;
    registryUnits = [...registry].sort((a, b) => a.said.localeCompare(b.said, LANG));
    const own = registryUnits.filter((u) => u.hours);
    document.getElementById("hours-own").hidden = !own.length;
    const list = document.getElementById("hours-list");
    list.innerHTML = own.map((u) =>
      `<li><span>${esc(t("js.hours_said", { said: u.said, hours: hoursInWords(u.hours) }))}</span>` +
      `<button type="button" data-usual="${esc(u.code)}">${esc(t("js.hours_usual"))}</button></li>`).join("");
    for (const button of list.querySelectorAll("button[data-usual]")) {
      button.onclick = () => setHours(own.find((u) => u.code === button.dataset.usual), null);
    }
    const chosen = hoursUnit.value;
    hoursUnit.innerHTML = `<option value="">${esc(t("js.hours_choose"))}</option>` +
      registryUnits.map((u) => `<option value="${esc(u.code)}">${esc(u.said)}</option>`).join("");
    hoursUnit.value = chosen;
  }
  hoursUnit.onchange = () => { hoursText.value = registryUnits.find((u) => u.code === hoursUnit.value)?.hours || ""; };
  async function setHours(chosen, hours) {
    error.textContent = "";
    try {
      const saved = await api(`/authorities/${encodeURIComponent(chosen.code)}/hours`,
        { method: "PUT", token: token(), body: { hours } });
      await listGaps();
      hoursText.value = hoursUnit.value === saved.code ? saved.hours || "" : hoursText.value;
      status.textContent = saved.hours ? t("js.hours_saved", { said: saved.said, hours: hoursInWords(saved.hours) })
        : t("js.hours_reset", { said: saved.said });
    } catch (e) { error.textContent = e.message; }
  }
  document.getElementById("hours-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = registryUnits.find((u) => u.code === hoursUnit.value);
    if (chosen) setHours(chosen, hoursText.value.trim() || null);
  });

  // A point placed by mistake forgotten: the unit takes the map's seat again, or waits without one.
  async function forget(chosen) {
    if (!confirm(t("js.unplace_confirm", { said: chosen.said }))) return;
    error.textContent = "";
    try {
      await api(`/authorities/${encodeURIComponent(chosen.code)}/location`, { method: "DELETE", token: token() });
      if (unit?.code === chosen.code) stopPlacing();
      pinLayer.clearLayers();
      pin = null;
      await listGaps();
      status.textContent = t("js.unplaced", { said: chosen.said });
    } catch (e) { error.textContent = e.message; }
  }

  // A unit named by a dossier's waiting reason; placed meanwhile (not listed any more), nothing to do.
  async function placeByCode(code) {
    await listGaps();
    const chosen = units.find((u) => u.code === code);
    if (chosen) {
      await startPlacing(chosen);
      gaps.scrollIntoView();
    }
  }

  function putPin(lat, lng) {
    if (pin) pin.setLatLng([lat, lng]);
    else {
      pin = L.marker([lat, lng], { draggable: true, autoPan: true, icon: pinIcon("#d7301f", 18), title: unit.said })
        .addTo(pinLayer);
      pin.on("dragend", () => sayPin());
    }
    sayPin();
  }

  function sayPin() {
    const { lat, lng } = pin.getLatLng();
    placingWords.textContent = t("js.place_at", { said: unit.said, lat: lat.toFixed(5), lon: lng.toFixed(5) });
    save.disabled = false;
  }

  async function startPlacing(chosen) {
    unit = chosen;
    for (const button of gaps.querySelectorAll("button[data-code]")) button.ariaPressed = button.dataset.code === unit.code;
    pinLayer.clearLayers();
    pin = null;
    save.disabled = true;
    placing.hidden = false;
    placingWords.textContent = t("js.place_click", { said: unit.said });
    map.getContainer().classList.add("placing");
    document.getElementById("place-address").focus();
    if (unit.lat !== null) {  // placed already: the pin where it stands, to move
      putPin(unit.lat, unit.lon);
      map.setView([unit.lat, unit.lon], 17);
      return;
    }
    // The unit's ward in view, where its committee is (a city body: the map as it is).
    const ward = await api(`/search?${new URLSearchParams({ q: unit.name, kind: "ward", k: 1 })}`).catch(() => null);
    const hit = ward?.results[0];
    if (hit && unit.level === "commune") map.setView([hit.lat, hit.lon], 15);
  }

  function stopPlacing() {
    unit = null;
    placing.hidden = true;
    map.getContainer().classList.remove("placing");
  }

  map.on("click", (event) => unit && putPin(event.latlng.lat, event.latlng.lng));
  placing.addEventListener("submit", async (event) => {
    event.preventDefault();
    const q = document.getElementById("place-address").value.trim();
    if (!q) return;
    error.textContent = "";
    try {
      const found = await api(`/search?${new URLSearchParams({ q, k: 1, focus: `${map.getCenter().lat},${map.getCenter().lng}` })}`);
      const hit = found.results[0];
      if (!hit) { error.textContent = t("js.place_not_found", { q }); return; }
      putPin(hit.lat, hit.lon);
      map.setView([hit.lat, hit.lon], Math.max(map.getZoom(), 17));
    } catch (e) { error.textContent = e.message; }
  });
  document.getElementById("place-cancel").onclick = () => { pinLayer.clearLayers(); pin = null; stopPlacing(); listGaps(); };
  save.onclick = async () => {
    error.textContent = "";
    const { lat, lng } = pin.getLatLng();
    try {
      const placed = await api(`/authorities/${encodeURIComponent(unit.code)}/location`,
        { method: "PUT", token: token(), body: { lat, lon: lng } });
      pin.dragging.disable();
      pin.bindTooltip(esc(placed.said));
      stopPlacing();
      await listGaps();  // the list without the unit, then the words saying so
      status.textContent = t("js.placed", { said: placed.said, n: placed.open_dossiers });
    } catch (e) { error.textContent = e.message; }
  };

  await listPlans();
  listGaps().catch((e) => { error.textContent = e.message; });
  listCrew().catch((e) => { error.textContent = e.message; });
  performanceSection(token, me);
  const wanted = new URLSearchParams(location.search).get("plan");
  if (wanted && (token() || me)) await show(wanted);
  document.body.dataset.ready = "1";
})();
