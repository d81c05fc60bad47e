// Shared by the pages: texts in the page's language, the offline basemap (the project's own roads and wards),
// API calls, formatting.
"use strict";

// The catalogue parts the server put in the page (api/i18n/<lang>.json: js, kind, procedure) and its language.
const I18N = JSON.parse(document.getElementById("i18n").textContent);
const LANG = I18N.lang;
// The person signed in as GET /me says him, put in the page by the server; null when signed out (asking /me
// then was a 401 the browser logged as an error on every page).
const ME = JSON.parse(document.getElementById("me").textContent);

// The text of a dotted key ("js.finding") with {fields} filled in; the key itself if missing.
function t(key, fields = {}) {
  let node = I18N;
  for (const part of key.split(".")) node = node && node[part];
  if (typeof node !== "string") return key;
  return node.replace(/\{(\w+)\}/g, (m, name) => (name in fields ? String(fields[name]) : m));
}
// A code of a part of the catalogue in words ("kind", "post_office" -> "Bưu cục"); the code itself when unknown.
function codeName(part, code) { const name = t(`${part}.${code}`); return name === `${part}.${code}` ? code : name; }
function kindName(kind) { return codeName("kind", kind); }
function procedureName(code) { return codeName("procedure", code); }
function num(value, digits) { return Number(value).toLocaleString(LANG, { minimumFractionDigits: digits, maximumFractionDigits: digits }); }

// What the page says (its status line, its errors, a dossier tracked) is brought into view when it changes: on a
// phone the panel above the map is short, and a message below its fold would go unseen.
for (const id of ["status", "error", "track-result"]) {
  const said = document.getElementById(id);
  if (!said) continue;
  new MutationObserver(() => { if (said.textContent.trim()) said.scrollIntoView({ block: "nearest" }); })
    .observe(said, { childList: true, characterData: true, subtree: true });
}

const COLOURS = ["#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#17becf", "#66c2a5", "#999999"];
const ROAD_STYLE = {
  trunk: ["#e07b39", 3], primary: ["#e8a33d", 2.6], secondary: ["#f3d36b", 2.2], tertiary: ["#ffffff", 1.8],
  trunk_link: ["#e07b39", 1.5], primary_link: ["#e8a33d", 1.5], secondary_link: ["#f3d36b", 1.4],
};

// Under a minute and under a kilometre said as people say them ("dưới 1 phút", "80 m"), not "0,0 phút", "0,08 km".
function fmtMinutes(seconds) { return seconds < 60 ? t("js.under_a_minute") : t("js.minutes", { n: num(seconds / 60, 1) }); }
function fmtKm(metres) {
  return metres < 1000 ? t("js.m", { n: num(Math.round(metres / 10) * 10, 0) }) : t("js.km", { n: num(metres / 1000, 2) });
}
// A date ("2026-02-10") as the page's language writes it (its locale and Intl options in the catalogue): "10/02/2026",
// "10 Feb 2026".
function fmtDate(iso) { return new Date(iso + "T00:00:00").toLocaleDateString(t("js.date_locale"), JSON.parse(t("js.date_options"))); }
// The time in Hanoi (UTC+7, no summer time) as the API takes it, "2026-12-05T14:05", whatever the browser's own
// time zone; its day, "2026-12-05"; the day ``n`` days after ``iso``.
function hanoiNow() { return hanoiTime(new Date().toISOString()); }
// An instant (ISO 8601 with its offset) as Hanoi's clock reads it, "2026-12-05T14:05"; written "14:05 05/12/2026".
function hanoiTime(iso) { return new Date(Date.parse(iso) + 7 * 3600 * 1000).toISOString().slice(0, 16); }
// OSM opening hours said in words ("Mo-Fr 08:00-17:00" as "T2–T6 08:00–17:00"): the days and "off" from the
// catalogue, ranges with dashes; what a rule holds beyond these stays as written.
function hoursInWords(hours) {
  const words = I18N.js.hours_words;
  return hours.replace(/Mo-Su|24\/7|[A-Za-z]+|-|,\s*|;\s*/g, (m) =>
    m === "-" ? "–" : m[0] === "," ? ", " : m[0] === ";" ? "; " : Object.hasOwn(words, m) ? words[m] : m);
}
function fmtWhen(local) { return `${local.slice(11, 16)} ${fmtDate(local.slice(0, 10))}`; }
function hanoiToday() { return hanoiNow().slice(0, 10); }
function addDays(iso, n) {
  const day = new Date(iso + "T00:00:00Z");
  day.setUTCDate(day.getUTCDate() + n);
  return day.toISOString().slice(0, 10);
}
// Whether ``text`` is a day ("2026-02-17") that exists.
function isDay(text) { return /^\d{4}-\d{2}-\d{2}$/.test(text || "") && !isNaN(new Date(text + "T00:00:00Z")) && addDays(text, 0) === text; }

// Days to choose from in ``select``, written in the page's language with their weekday (and their year when not
// this one), today and tomorrow said, a public holiday named ("Thứ Ba, 17/02 · Tết Nguyên Đán") and a Saturday
// worked for a day off said so, grouped by month. Not a date field: a browser draws that in its own locale, so an
// English one shows 5 December as "12/05/2026", which Vietnam reads as 12 May, whatever the page's language.
// ``count`` days from ``from`` (ISO); ``chosen`` is chosen, and added in its place when outside them; ``blank``:
// the words of a first choice of no day (value "").
function fillDays(select, { from, count, chosen = "", blank = null }) {
  const locale = t("js.date_locale");
  const options = Object.assign(JSON.parse(t("js.day_choice_options")), { timeZone: "UTC" });
  const said = new Intl.DateTimeFormat(locale, options);
  const saidWithYear = new Intl.DateTimeFormat(locale, Object.assign({ year: "numeric" }, options));
  const month = new Intl.DateTimeFormat(locale, { month: "long", year: "numeric", timeZone: "UTC" });
  const today = hanoiToday();
  const days = Array.from({ length: count }, (_, i) => addDays(from, i));
  if (isDay(chosen) && !days.includes(chosen)) days.push(chosen);
  days.sort();
  select.innerHTML = blank === null ? "" : `<option value="">${esc(blank)}</option>`;
  let group = null;
  for (const day of days) {
    const date = new Date(day + "T00:00:00Z");
    const label = month.format(date).replace(/^./, (c) => c.toUpperCase());
    if (!group || group.label !== label) {
      group = select.appendChild(document.createElement("optgroup"));
      group.label = label;
    }
    let words = (day.slice(0, 4) === today.slice(0, 4) ? said : saidWithYear).format(date);
    if (day === today) words = t("js.today_is", { day: words });
    else if (day === addDays(today, 1)) words = t("js.tomorrow_is", { day: words });
    if (I18N.holidays[day]) words += ` · ${I18N.holidays[day]}`;
    if (I18N.worked[day]) words += ` · ${t("js.worked_for", { day: fmtDate(I18N.worked[day]) })}`;
    group.appendChild(new Option(words, day));
  }
  select.value = isDay(chosen) ? chosen : "";
}

// Times of day to choose from in ``select``, every ``step`` minutes, written "07:30" on the 24-hour clock Vietnam
// writes (a time field says "07:30 PM" in an English browser); ``chosen`` ("HH:MM") is chosen, and added in its
// place when off the steps.
function fillTimes(select, { step = 30, chosen = "" }) {
  const times = Array.from({ length: (24 * 60) / step }, (_, i) => hhmm(i * step * 60));
  const valid = /^([01]\d|2[0-3]):[0-5]\d$/.test(chosen);
  if (valid && !times.includes(chosen)) times.push(chosen);
  select.replaceChildren(...times.sort().map((time) => new Option(time, time)));
  if (valid) select.value = chosen;
}

function hhmm(seconds) {
  const m = Math.round(seconds / 60);
  return String(Math.floor(m / 60)).padStart(2, "0") + ":" + String(m % 60).padStart(2, "0");
}
function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

// A function awaiting the answers of one kind of request, each to undefined when a later one was asked meanwhile:
// two changes in a row (a day, then a time) ask twice, and the first answer may come last and would be drawn over
// the second's. Its failures are thrown only while it is the latest.
function latestOnly() {
  let asked = 0;
  return async (request) => {
    const ask = ++asked;
    try {
      const answer = await request;
      return ask === asked ? answer : undefined;
    } catch (e) {
      if (ask === asked) throw e;
      return undefined;
    }
  };
}

// The page's state kept in its address, so that it can be shared, bookmarked or reloaded (replaced, not pushed:
// Back still leaves the page); empty values are left out, and the language links keep the state.
function keepInAddress(params) {
  const query = new URLSearchParams(Object.entries(params).filter(([, value]) => value !== undefined && value !== null && value !== ""));
  history.replaceState(null, "", query.toString() ? `?${query}` : location.pathname);
  for (const link of document.querySelectorAll("a[hreflang]")) {
    const switched = new URLSearchParams(query);
    switched.set("lang", link.hreflang);
    link.href = `?${switched}`;
  }
}

// fetch JSON; throws an Error whose message lists the API's messages (in the page's language), with the answer's
// status and the problems' reason codes.
async function api(path, options = {}) {
  const headers = Object.assign({ Accept: "application/json", "Accept-Language": LANG }, options.headers || {});
  if (options.token) headers.Authorization = "Bearer " + options.token;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method: options.method || "GET", headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const problems = data && Array.isArray(data.detail) ? data.detail : null;
    const failure = new Error(problems
      ? problems.map((d) => d.message || d.reason).join("\n")
      : t("js.error_status", { status: response.status }));
    failure.status = response.status;
    failure.reasons = problems ? problems.map((d) => d.reason) : [];
    throw failure;
  }
  return data;
}

// A page of the service in a tab of its own (a report, a map page). Signed in, the tab opens its address (the
// session goes with it); by a token, the page fetches it and opens what it got, so the page must carry what it
// shows (a map page asked with standalone=true). A refusal rejects with the API's words.
async function openInTab(url, token) {
  if (!token) {
    window.open(url, "_blank");
    return;
  }
  const tab = window.open("", "_blank");
  try {
    const answer = await fetch(url, { headers: { Authorization: "Bearer " + token, "Accept-Language": LANG } });
    if (!answer.ok) throw new Error((await answer.json()).detail.map((d) => d.message).join("\n"));
    tab.location = URL.createObjectURL(await answer.blob());
  } catch (e) {
    tab.close();
    throw e;
  }
}

// A map page of the service (a plan's, a scenario's) in a tab of its own, in the page's language, carrying Leaflet:
// to print, save or send, it draws offline.
function openMapPage(path, token) {
  return openInTab(`${path}?${new URLSearchParams({ lang: LANG, standalone: true })}`, token);
}

// The service's settings for the pages (GET /config), asked once.
let settingsAsked = null;
function settings() {
  settingsAsked = settingsAsked || api("/config");
  return settingsAsked;
}

// A Leaflet map with the offline basemap; resolves when the wards and main roads are drawn.
async function makeMap(elementId) {
  const map = L.map(elementId, { preferCanvas: false, zoomControl: true });
  const canvas = L.canvas({ padding: 0.3 });
  const config = await settings();
  map.fitBounds(config.bounds);
  const layers = {};
  if (config.tiles_url) {
    layers[t("js.layer_tiles")] = L.tileLayer(config.tiles_url, { attribution: config.tiles_attribution, maxZoom: 19 });
  }
  map.attributionControl.addAttribution(t("js.attribution"));
  const wards = await api("/basemap/wards");
  const wardLayer = L.geoJSON(wards, {
    renderer: canvas, interactive: false,
    style: { color: "#8a7f9c", weight: 1, dashArray: "4 3", fillColor: "#efeae0", fillOpacity: 0.5 },
  }).addTo(map);
  const styleRoad = (feature) => {
    const [colour, weight] = ROAD_STYLE[feature.properties.c] || ["#ffffff", 1];
    return { color: colour, weight, opacity: 0.95 };
  };
  const mainRoads = L.geoJSON(await api("/basemap/roads?detail=main"), { renderer: canvas, interactive: false, style: styleRoad });
  mainRoads.addTo(map);
  let allRoads = null;
  async function detail() {
    if (map.getZoom() >= 15 && !allRoads) {
      allRoads = L.geoJSON(await api("/basemap/roads?detail=all"), { renderer: canvas, interactive: false, style: styleRoad });
    }
    if (allRoads) {
      if (map.getZoom() >= 15 && !map.hasLayer(allRoads)) { allRoads.addTo(map); allRoads.bringToBack(); wardLayer.bringToBack(); }
      if (map.getZoom() < 15 && map.hasLayer(allRoads)) map.removeLayer(allRoads);
    }
  }
  map.on("zoomend", detail);
  detail();
  layers[t("js.layer_wards")] = wardLayer;
  layers[t("js.layer_roads")] = mainRoads;
  L.control.layers(null, layers, { collapsed: true }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);
  map.createPane("overlay").style.zIndex = 450;
  return map;
}

function pinIcon(colour, size = 14) {
  return L.divIcon({ className: "", iconSize: [size, size],
    html: `<div class="pin" style="width:${size - 4}px;height:${size - 4}px;background:${colour}"></div>` });
}

// The text colour, white or black, that reads best on ``colour`` (#rrggbb): WCAG's contrast from relative
// luminance. White numbers failed the 4.5:1 of small text on half the route colours (blue 4.3, orange 2.5).
function inkOn(colour) {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(colour.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 ? "#fff" : "#000";
}

// ``shift``: pixels the icon is drawn off its point (results fanned out around one building).
function stopIcon(colour, label, className = "", shift = [0, 0]) {
  return L.divIcon({ className, iconSize: [18, 18], iconAnchor: [9 - shift[0], 9 - shift[1]],
    html: `<div class="stop" style="background:${colour};color:${inkOn(colour)};width:18px;height:18px">${esc(label)}</div>` });
}

// A route's stops in visits: the stops in a row at one place (one setup, planned so), in order.
function visitsOf(stops) {
  const out = [];
  for (const s of stops) {
    const last = out[out.length - 1];
    if (last && last[0].place === s.place) last.push(s);
    else out.push([s]);
  }
  return out;
}

// What a re-plan took off a postman's route after he had picked it up (``carried_back`` of a route of the day): he
// brings it back, and a button records it (a failed event: the dossiers at their agency again, for the next
// re-plan to give to another postman). ``heading``: the tag of its heading where it stands on the page; ``intro``:
// a catalogue key of what to tell the reader first.
function carriedBackList(items, heading, intro = null) {
  if (!items?.length) return "";
  return `<${heading}>${esc(t("js.carried_title", { n: items.length }))}</${heading}>` +
    (intro ? `<p class="muted">${esc(t(intro))}</p>` : "") + `<ul class="carried">` + items.map((c) =>
      `<li data-task="${esc(c.task)}"><div><b>${esc(t("js.carried_item", { seq: c.seq, name: c.name }))}</b></div>` +
      `<div>${esc(t("js.dossiers", { codes: c.dossiers.join(", ") }))}</div>` +
      (c.status === "brought_back"
        ? `<div class="stop-state">${esc(t("js.carried_done"))}</div>`
        : `<button type="button" data-carried="${esc(c.task)}">${esc(t("js.carried_record"))}</button>`) +
      "</li>").join("") + "</ul>";
}
// The stop event that records a task of ``carriedBackList`` brought back: no time was left to hand it over.
function broughtBack(task) { return { task, event: "failed", reason_code: "no_time", reason: t("js.carried_reason") }; }

// A stop of the day's status in words; one the postman came to and has yet to settle, since when he is there.
function stopStatusWords(stop) {
  const open = stop.status !== "done" && stop.status !== "failed";
  return open && stop.arrived ? t("js.arrived_at", { at: stop.arrived }) : t("js.status." + stop.status);
}

// What was recorded at a stop (``recorded`` of a stop of the day), in words: when, the signed record's number or why
// it failed, and how far from the stop when that is far ("15:10 · Không gặp người nhận: gọi không nghe máy").
function recordedWords(recorded) {
  const why = recorded.reason_code
    ? codeName("failure", recorded.reason_code) + (recorded.reason ? `: ${recorded.reason}` : "")
    : recorded.record_no;
  const far = recorded.far ? t("js.recorded_far", { distance: fmtKm(recorded.off_m) }) : "";
  const signed = recorded.signer ? t("js.signed_by", { signer: codeName("signer", recorded.signer) }) : "";
  return [recorded.at, why, signed, far].filter(Boolean).join(" · ");
}

// The address of the photo the postman took with a settled stop's event (``recorded.photo``), "" without one.
function photoPath(day, stop) {
  if (!(stop.recorded && stop.recorded.photo)) return "";
  const parts = [day, stop.task, stop.event].map(encodeURIComponent);
  return `/days/${parts[0]}/photos/${parts[1]}/${parts[2]}`;
}

// The window a home pickup's applicant was told by SMS (``told`` of a stop of the day, "10:00-10:30"), in words;
// and that the message never reached him, to phone ahead (``told_unreached``).
function toldWords(stop) {
  return t(stop.told_unreached ? "js.told_unreached" : "js.told", { window: stop.told.replace("-", "–") });
}

// A person signed in (``ME``) as the pages say him: his full name, else his account's name.
function personName(me) { return me.full_name || me.name; }

// Access to a staff page: signed in with one of ``roles`` (the session's cookie goes with each request), its token
// field is hidden and the page says who; otherwise the bearer token typed there, kept in this browser under ``key``.
async function staffAccess(inputId, key, roles) {
  const token = tokenField(inputId, key);
  const me = ME;
  if (!me || !roles.includes(me.role)) return { token, me: null };
  const row = document.getElementById(inputId).closest(".row");
  const who = document.createElement("div");
  who.className = "muted";
  who.id = "signed-in";
  who.textContent = t("js.signed_in", { name: personName(me), role: t("role." + me.role) });
  row.replaceWith(who);
  return { token: () => "", me };
}
// A token kept in the browser's local storage, bound to an input field.
function tokenField(inputId, key) {
  const input = document.getElementById(inputId);
  input.value = localStorage.getItem(key) || "";
  input.addEventListener("change", () => localStorage.setItem(key, input.value.trim()));
  return () => input.value.trim();
}

// The proof's form, on the postman's phone and the counter's tablet. At the door and the counter: who signs (the
// applicant, or a person authorised in writing, by name) and the paper checked (its last four characters); at a
// handover: the officer, by name. Then the signature drawn with a finger on the pad.
function proofForm(event, applicant) {
  const title = esc(t("js.proof_title." + event));
  return `<form class="proof" aria-label="${title}"><strong class="proof-title">${title}</strong>` +
    (event === "handed_over" ? officerFields() : doorFields(applicant)) +
    `<canvas class="signature-pad" width="300" height="120" aria-label="${esc(t("js.proof_pad"))}"></canvas>` +
    `<div class="muted">${esc(t("js.proof_pad"))}</div>` +
    `<div class="proof-actions"><button type="button" class="secondary proof-clear">${esc(t("js.proof_clear"))}</button>` +
    `<button type="submit">${esc(t("js.proof_send"))}</button></div><div class="proof-error error" role="alert"></div></form>`;
}

function doorFields(applicant) {
  const ids = ["id_card", "vneid", "passport"].map((k) => `<option value="${k}">${esc(codeName("id_type", k))}</option>`).join("");
  const signers = ["applicant", "authorised"].map((k) => `<option value="${k}">${esc(codeName("signer", k))}</option>`).join("");
  const who = applicant ? `<div class="muted">${esc(t("js.proof_applicant", { name: applicant }))}</div>` : "";
  return who + `<label>${esc(t("js.proof_signer"))} <select class="signer">${signers}</select></label>` +
    `<input class="signer-name" aria-label="${esc(t("js.proof_name"))}" placeholder="${esc(t("js.proof_name"))}" maxlength="200" hidden>` +
    `<label>${esc(t("js.proof_id"))} <select class="id-type">${ids}</select></label>` +
    `<input class="id-last4" aria-label="${esc(t("js.proof_last4"))}" placeholder="${esc(t("js.proof_last4"))}" maxlength="4" autocapitalize="characters" autocomplete="off">`;
}

function officerFields() {
  const said = esc(t("js.proof_officer_name"));
  return `<input class="signer" type="hidden" value="officer">` +
    `<input class="signer-name" aria-label="${said}" placeholder="${said}" maxlength="200">`;
}

// The pad keeps its strokes in its own pixels, whatever size the screen draws it at.
const proofStrokes = new WeakMap();
function signingPad(canvas) {
  const pen = canvas.getContext("2d");
  pen.lineWidth = 2.5; pen.lineCap = "round"; pen.lineJoin = "round";
  proofStrokes.set(canvas, []);
  const at = (e) => {
    const box = canvas.getBoundingClientRect();
    return [(e.clientX - box.left) * canvas.width / box.width, (e.clientY - box.top) * canvas.height / box.height];
  };
  let line = null;
  canvas.addEventListener("pointerdown", (e) => {
    canvas.setPointerCapture(e.pointerId);
    line = [at(e)];
    proofStrokes.get(canvas).push(line);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!line) return;
    const [x0, y0] = line[line.length - 1];
    const [x, y] = at(e);
    if (x < 0 || y < 0 || x > canvas.width || y > canvas.height) return; // off the pad
    line.push([x, y]);
    pen.beginPath(); pen.moveTo(x0, y0); pen.lineTo(x, y); pen.stroke();
  });
  const lift = () => { line = null; };
  canvas.addEventListener("pointerup", lift);
  canvas.addEventListener("pointercancel", lift);
}

// The proof as the form has it, or the words of what it still lacks.
function proofOf(form) {
  const canvas = form.querySelector(".signature-pad");
  const signer = form.querySelector(".signer").value;
  const name = form.querySelector(".signer-name").value.trim();
  const paper = form.querySelector(".id-type");
  const tail = paper && form.querySelector(".id-last4").value.trim().toUpperCase();
  const drawn = proofStrokes.get(canvas).filter((line) => line.length > 1)
    .map((line) => line.map(([x, y]) => [Math.round(x * 10) / 10, Math.round(y * 10) / 10]));
  if (signer !== "applicant" && !name) return t(`js.proof_name_needed_${signer}`);
  if (paper && !/^[0-9A-Z]{4}$/.test(tail)) return t("js.proof_last4_needed");
  if (drawn.flat().length < 10) return t("js.proof_unsigned");
  return {
    signer, name: name || undefined, id_type: paper?.value, id_last4: tail || undefined,
    signature: { width: canvas.width, height: canvas.height, strokes: drawn },
  };
}

// A proof's form made live: the signing pad, the authorised person's name asked only for him, "sign again"; sent,
// ``send`` gets the proof, or the form says what it still lacks.
function wireProof(form, send) {
  const canvas = form.querySelector(".signature-pad");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const proof = proofOf(form);
    if (typeof proof === "string") form.querySelector(".proof-error").textContent = proof;
    else send(proof);
  });
  signingPad(canvas);
  form.querySelector("select.signer")?.addEventListener("change", (e) => {
    form.querySelector(".signer-name").hidden = e.target.value !== "authorised";
  });
  form.querySelector(".proof-clear").addEventListener("click", () => {
    canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
    proofStrokes.set(canvas, []);
  });
}
