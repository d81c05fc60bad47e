// Postman page: today's stops in order (address, window, dossiers), a map of them, and the stop events, each sent
// with where the phone is when it lets the page know.
"use strict";

(async function () {
  const map = await makeMap("map");
  const { failures, door_attempts: doorAttempts } = await settings();
  const status = document.getElementById("status");
  const error = document.getElementById("error");
  const dayInput = document.getElementById("day");
  const list = document.getElementById("stops");
  const overlay = L.layerGroup().addTo(map);
  let fitted = null; // the day's plan (id/version) the map was last fitted to
  const COLOUR = { done: "#4daf4a", failed: "#984ea3", late: "#e41a1c", remaining: "#377eb8" };
  // Today in Hanoi, unless the address names a day; the week before and tomorrow to choose from.
  const linkedDay = new URLSearchParams(location.search).get("date");
  fillDays(dayInput, { from: addDays(hanoiToday(), -7), count: 9, chosen: isDay(linkedDay) ? linkedDay : hanoiToday() });

  // Coming to a stop is said first (a visit's stops at once): how long a stop takes is measured from it. A delivery
  // takes it once its dossiers are picked up.
  let pickedUp = new Set();
  function arrives(stop) { return !stop.arrived && (stop.kind === "pickup" || pickedUp.has(stop.task)); }

  function arriveButton() {
    return `<button type="button" class="secondary" data-arrive="1">${esc(t("js.arrive"))}</button>`;
  }

  function actions(stop, inVisit) {
    if (settled(stop) || !stop.task) return "";
    const id = esc(stop.task);
    const event = eventOf(stop);
    return `<div class="actions" data-task="${id}">` + (!inVisit && arrives(stop) ? arriveButton() : "") +
      `${recordField(event, stop.handover_record)}<button type="button" data-event="${event}">${esc(t("js.event." + event))}</button>` +
      (event === "handed_over" ? officerButton("stop", t("js.officer_signs")) : "") +
      failureFields(stop) + `<button type="button" data-event="failed">${esc(t("js.event.failed"))}</button></div>`;
  }

  function settled(stop) { return stop.status === "done" || stop.status === "failed"; }

  // Why it failed: the reasons that fit where the stop is (the citizen's door, or an agency or authority), and a
  // note in the postman's words (needed with "other").
  function failureFields(stop) {
    const where = stop.place.startsWith("address:") ? "address" : "office";
    const options = Object.entries(failures).filter(([, at]) => at === "any" || at === where)
      .map(([code]) => `<option value="${esc(code)}">${esc(codeName("failure", code))}</option>`).join("");
    return `<select class="reason-code" aria-label="${esc(t("js.reason"))}">${options}</select>` +
      `<input class="reason" aria-label="${esc(t("js.reason_words"))}" placeholder="${esc(t("js.reason_words"))}">` +
      // The browser's own file button speaks the phone's language, not the page's: hidden from sight (still
      // focusable), the label is the button.
      `<label class="photo-field"><input type="file" class="photo sr-only" accept="image/jpeg,image/png,image/webp" ` +
      `capture="environment"><span class="photo-button">${esc(t("js.photo_label"))}</span><span class="photo-chosen"></span></label>`;
  }

  // The photo chosen, as sent: at most 1,280 pixels a side, JPEG, a data URL of some 200 KB; drawn on a canvas,
  // which keeps the pixels only (not where the phone took it, nor the phone). The service checks it again.
  async function shrunk(file) {
    const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    const scale = Math.min(1, 1280 / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return canvas.toDataURL("image/jpeg", 0.8);
  }

  // Where the phone is, if it lets the page know within a few seconds; the event goes without it otherwise.
  function position() {
    if (!navigator.geolocation) return Promise.resolve(undefined);
    return new Promise((resolve) => navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude, accuracy_m: p.coords.accuracy }),
      () => resolve(undefined),
      { enableHighAccuracy: true, timeout: 5000, maximumAge: 60000 },
    ));
  }

  // At the citizen's address the event is signed for (a result given, a dossier taken at home): the button opens the
  // proof's form first.
  function signedFor(event, place) { return (event === "delivered" || event === "picked_up") && place.startsWith("address:"); }

  // At an agency or authority the dossiers go against a signed record: its number on paper, or the officer taking
  // them over signs on the phone (the button opens the proof's form for him).
  function officerButton(scope, words) {
    return `<button type="button" class="secondary" data-officer="${scope}">${esc(words)}</button>`;
  }

  // Open the proof's form under ``box`` for the events ``bodies`` (a stop's, or a visit's handovers), sent signed
  // once it is filled in.
  function askProof(box, event, applicant, bodies) {
    list.querySelector("form.proof")?.remove();
    box.insertAdjacentHTML("afterend", proofForm(event, applicant));
    const form = box.nextElementSibling;
    wireProof(form, (proof) => send(bodies.map((body) => ({ ...body, proof })), form));
    form.scrollIntoView({ block: "nearest" });
  }

  // A handover asks for the signed record's number, and a pickup at an agency or authority takes it: the one the
  // system issued for the visit, printed on his sheet, is filled in (another paper's number may be typed over it).
  function recordField(event, number) {
    if (!(event === "handed_over" || (event === "picked_up" && number))) return "";
    const value = number ? ` value="${esc(number)}"` : "";
    return `<input class="record" data-for="${event}" aria-label="${esc(t("js.record_no"))}" placeholder="${esc(t("js.record_no"))}"${value}>`;
  }

  // What a stop's event is: taken at the pickup, handed over (with the signed record) at an agency or authority,
  // given at the citizen's door.
  function eventOf(stop) {
    if (stop.kind === "pickup") return "picked_up";
    return stop.place.startsWith("address:") ? "delivered" : "handed_over";
  }

  // A result brought to the door again: which try, and whether the last before it goes to the agency.
  function doorTry(s) {
    if (!(s.door_try > 1)) return "";
    const last = s.door_try >= doorAttempts ? " " + t("js.door_last") : "";
    return `<div class="door-try">${esc(t("js.door_try", { n: s.door_try }) + last)}</div>`;
  }

  // At the citizen's door: whom to hand it to, and the phone to call when nobody opens.
  function contact(s) {
    if (!s.phone) return "";
    const phones = s.phone.split("; ").map((p) => `<a href="tel:${esc(p.replace(/[^0-9+]/g, ""))}">${esc(p)}</a>`);
    return `<div class="contact">${esc(t("js.recipient", { name: s.applicant_name }))} · ${phones.join(", ")}</div>`;
  }

  // The window the applicant of a home pickup was told by SMS: the one to keep to.
  function told(s) {
    return s.told ? `<div class="told">${esc(toldWords(s))}</div>` : "";
  }

  // A dossier taken at the applicant's home: its receipt, to print or to show at the door (the applicant's phone
  // reads its QR code).
  function receipts(s) {
    if (!(s.kind === "pickup" && s.status === "done" && s.place.startsWith("address:"))) return "";
    const links = s.dossiers.map((code) =>
      `<a class="receipt" href="/dossiers/${encodeURIComponent(code)}/receipt" target="_blank" rel="noopener">${esc(t("js.receipt_of", { code }))}</a>`);
    return `<div class="receipts">${links.join(" · ")}</div>`;
  }

  // The photo taken with a settled stop's event, in a tab of its own (the session goes with it).
  function photoLink(s) {
    const path = photoPath(dayInput.value, s);
    return path ? ` · <a class="photo-link" href="${esc(path)}" target="_blank" rel="noopener">${esc(t("js.photo_link"))}</a>` : "";
  }

  function stopItem(s, inVisit) {
    return `<li class="day-stop ${esc(s.status)}" data-task="${esc(s.task)}" data-kind="${esc(s.kind)}" data-stop-event="${eventOf(s)}" ` +
      `data-place="${esc(s.place)}" data-applicant="${esc(s.applicant_name || "")}">` +
      `<div><b>#${s.seq} ${esc(s.arrival)}</b> · ${esc(kindName(s.kind))} · ${esc(s.address || s.name || s.place)}</div>` +
      `<div class="muted">${esc(t("js.window", { window: s.window }))}</div>` + doorTry(s) + told(s) + contact(s) +
      `<div>${esc(t("js.dossiers", { codes: s.dossiers.join(", ") }))}</div>` +
      // A failed stop's event says what its status says.
      `<div class="stop-state">${esc(stopStatusWords(s))}` +
      `${s.status === "done" ? " · " + esc(t("js.event." + s.event)) : ""}` +
      `${s.recorded ? " · " + esc(recordedWords(s.recorded)) : ""}${photoLink(s)}</div>` +
      receipts(s) + actions(s, inVisit) + "</li>";
  }

  // A visit's remaining stops are done together, the handovers under one signed record, as a handover record
  // lists every dossier handed over at once.
  function visitItem(stops) {
    if (stops.length === 1) return stopItem(stops[0]);
    const first = stops[0];
    const open = stops.filter((s) => !settled(s));
    const buttons = ["picked_up", "handed_over", "delivered"].map((event) => {
      const n = open.filter((s) => eventOf(s) === event).length;
      if (n < 2) return ""; // one stop: its own button
      const number = open.find((s) => eventOf(s) === event)?.handover_record;
      return `${recordField(event, number)}<button type="button" data-visit-event="${event}">${esc(t("js.visit_all." + event, { n }))}</button>` +
        (event === "handed_over" ? officerButton("visit", t("js.officer_signs_all", { n })) : "");
    }).join("");
    const arrive = open.some(arrives) && !open.some((s) => s.arrived) ? arriveButton() : "";
    return `<li class="visit"><div><b>#${first.seq}–#${stops[stops.length - 1].seq} ${esc(first.arrival)}</b> · ` +
      `${esc(first.address || first.name || first.place)}</div>` +
      `<div class="muted">${esc(t("js.visit_stops", { n: stops.length }))}</div>` +
      (arrive || buttons ? `<div class="actions visit-actions">${arrive}${buttons}</div>` : "") +
      `<ol class="day-stops">${stops.map((s) => stopItem(s, true)).join("")}</ol></li>`;
  }

  function drawCarried(route) {
    const box = document.getElementById("carried");
    box.innerHTML = carriedBackList(route?.carried_back, "h2", "js.carried_intro");
    box.hidden = !box.innerHTML;
  }

  function draw(day) {
    overlay.clearLayers();
    const route = day.routes[0];
    drawCarried(route);
    // His shift as the plan has it: its end moved when the dispatcher sent him home or kept him late.
    const shift = route?.shift ? ` · ${t("js.shift_of", { shift: route.shift.replace("-", "–") })}` : "";
    // How far behind his plan he is, today only (a past day is seen at its end: every open stop late).
    const behind = route?.behind_min && dayInput.value === hanoiToday() ? ` · ${t("js.behind", { minutes: route.behind_min })}` : "";
    document.getElementById("counts").textContent = t("js.day_counts", day.counts) + behind + shift;
    // His route on paper, to take along should the phone fail, with a column for the handovers' signatures.
    const sheet = document.getElementById("sheet-link");
    sheet.href = `/days/${encodeURIComponent(dayInput.value)}/sheet`;
    sheet.hidden = !route;
    if (!route) { list.innerHTML = `<li>${esc(t("js.no_route"))}</li>`; return; }
    const points = route.stops.map((s) => [s.lat, s.lon]);
    // The way along the roads; straight and dashed between the stops for a plan stored without it.
    if (route.line) L.geoJSON(route.line, { pane: "overlay", style: { color: "#377eb8", weight: 4, opacity: 0.75 } }).addTo(overlay);
    else L.polyline(points, { pane: "overlay", color: "#377eb8", weight: 3, opacity: 0.6, dashArray: "6 4" }).addTo(overlay);
    route.stops.forEach((s) => {
      L.marker([s.lat, s.lon], { icon: stopIcon(COLOUR[s.status] || "#555", s.seq), title: `#${s.seq}` })
        .bindTooltip(`#${s.seq} ${esc(kindName(s.kind))} ${esc(s.arrival)}`).addTo(overlay);
    });
    // Fitted to the route when the day (or a new version of it) is first drawn, not after each event recorded: the
    // postman zoomed in on his stop stays there. A route staying at one place has bounds of no size: without a
    // zoom cap Leaflet zooms to infinity (NaN).
    const drawn = `${day.id}/${day.version}`;
    if (fitted !== drawn) map.fitBounds(L.latLngBounds(points).pad(0.1), { maxZoom: 17, animate: false });
    fitted = drawn;
    pickedUp = new Set(route.stops.filter((s) => s.kind === "pickup" && s.status === "done").map((s) => s.task));
    list.innerHTML = visitsOf(route.stops.filter((s) => s.task)).map(visitItem).join("");
  }

  const dayAsked = latestOnly();
  async function show() {
    error.textContent = "";
    status.textContent = "";
    // Not signed in: said as a postman would need it (the API's words speak of bearer tokens).
    const signIn = `${esc(t("js.postman_signin"))} <a href="/signin">${esc(t("js.signin_link"))}</a>`;
    if (!ME) {
      error.innerHTML = signIn;
      return;
    }
    document.getElementById("who").textContent = t("js.signed_in_as", { name: personName(ME) });
    try {
      const day = await dayAsked(api(`/days/${encodeURIComponent(dayInput.value)}`));
      if (day === undefined) return; // another day asked since
      draw(day);
      status.textContent = day.synthetic ? t("js.synthetic_day") : "";
    } catch (e) {
      list.innerHTML = "";
      drawCarried(null);
      document.getElementById("sheet-link").hidden = true;
      if (e.reasons && e.reasons.includes("plan_not_found")) {
        status.textContent = e.message; // a normal morning before the dispatcher has planned: news, not an error
      } else {
        error.innerHTML = e.status === 401 ? signIn : esc(e.message); // the session ended since the page came
      }
    }
  }

  // Events are sent one after another; each is idempotent, so a visit stopped by an error is done again safely. A
  // proof refused is said in its form, kept as filled in and signed, to be corrected and sent again.
  async function send(bodies, form) {
    error.textContent = "";
    try {
      const at = await position();
      for (const body of bodies) {
        await api(`/days/${encodeURIComponent(dayInput.value)}/events`, { method: "POST", body: { ...body, position: at } });
      }
    } catch (e) {
      if (form) { form.querySelector(".proof-error").textContent = e.message; return; }
      error.textContent = e.message;
    }
    await show();
  }

  list.addEventListener("click", async (event) => {
    const arrive = event.target.closest("button[data-arrive]");
    if (arrive) {
      const visit = arrive.closest("li.visit");
      const open = visit ? [...visit.querySelectorAll("li.day-stop:not(.done):not(.failed)")] : [arrive.closest("li.day-stop")];
      const ready = open.filter((li) => li.dataset.kind === "pickup" || pickedUp.has(li.dataset.task));
      send(ready.map((li) => ({ task: li.dataset.task, event: "arrived", stop: li.dataset.kind })));
      return;
    }
    const whole = event.target.closest("button[data-visit-event]");
    if (whole) {
      const visit = whole.closest("li.visit");
      const kind = whole.dataset.visitEvent;
      const record = visit.querySelector(`.visit-actions .record[data-for="${kind}"]`);
      const stops = [...visit.querySelectorAll(`li.day-stop:not(.done):not(.failed)[data-stop-event="${kind}"]`)];
      // A visit is at an agency or authority (a citizen's address is one dossier's, a stop of its own).
      send(stops.map((li) => ({
        task: li.dataset.task,
        event: kind,
        record_no: record ? record.value.trim() || undefined : undefined,
      })));
      return;
    }
    // The officer signs on the phone for a stop's handover, or a visit's handovers all at once.
    const officer = event.target.closest("button[data-officer]");
    if (officer) {
      const visit = officer.dataset.officer === "visit";
      const open = visit
        ? [...officer.closest("li.visit").querySelectorAll("li.day-stop:not(.done):not(.failed)[data-stop-event='handed_over']")]
        : [officer.closest("li.day-stop")];
      askProof(officer.parentElement, "handed_over", "", open.map((li) => ({ task: li.dataset.task, event: "handed_over" })));
      return;
    }
    const button = event.target.closest("button[data-event]");
    if (!button) return;
    const box = button.closest(".actions");
    const body = { task: box.dataset.task, event: button.dataset.event };
    const record = box.querySelector(`.record[data-for="${body.event}"]`);
    if (record) body.record_no = record.value.trim() || undefined;
    if (body.event === "failed") {
      body.reason_code = box.querySelector(".reason-code").value;
      body.reason = box.querySelector(".reason").value.trim() || undefined;
      const file = box.querySelector(".photo").files[0];
      if (file) {
        try {
          body.photo = await shrunk(file);
        } catch {
          error.textContent = t("js.photo_unread");
          return;
        }
      }
    }
    const stop = box.closest("li.day-stop");
    if (signedFor(body.event, stop.dataset.place)) askProof(box, body.event, stop.dataset.applicant, [body]);
    else send([body]);
  });
  list.addEventListener("change", (event) => {
    if (!event.target.matches("input.photo")) return;
    const file = event.target.files[0];
    event.target.closest(".photo-field").querySelector(".photo-chosen").textContent = file ? t("js.photo_chosen", { name: file.name }) : "";
  });
  document.getElementById("carried").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-carried]");
    if (button) send([broughtBack(button.dataset.carried)]);
  });
  document.getElementById("day-form").addEventListener("submit", (event) => { event.preventDefault(); show(); });
  await show();
  document.body.dataset.ready = "1";
})();
