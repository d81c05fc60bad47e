// Sign-in page and the staff's counter: who is signed in, the open dossiers (of their agency), and a dossier looked
// up in words with its journey and next moves (personal data only if their role allows).
// Texts come from the catalogue (common.js: t()).
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  if (new URLSearchParams(location.search).has("error")) {
    $("signin-error").textContent = t("js.signin_failed");
  }

  let refreshWorklist = () => {};
  // Since when a dossier is in its state, its Hanoi day and the days since: "12/03/2026 (5 ngày)".
  function since(iso) {
    const day = hanoiTime(iso).slice(0, 10);
    const n = Math.round((Date.parse(hanoiToday() + "T00:00:00Z") - Date.parse(day + "T00:00:00Z")) / 86400000);
    return t(n > 0 ? "js.since_days" : "js.since_today", { date: fmtDate(day), n });
  }
  // The work list: the dossiers still open (at the staff's own agency), the soonest due first, a page at a time;
  // a code opens the dossier below.
  function worklist(me) {
    $("worklist-title").textContent = t(me.role === "agency_staff" ? "js.list_own" : "js.list_all");
    $("worklist").hidden = false;
    let shown = 0;
    // Two changes in a row (the overdue box, then a state) ask twice: the first answer, come last, was drawn over
    // the second's (and a test of this page failed now and then).
    const pageAsked = latestOnly();
    async function load(more) {
      const params = new URLSearchParams({ limit: 20, offset: more ? shown : 0 });
      if ($("worklist-state").value) params.set("state", $("worklist-state").value);
      if ($("worklist-overdue").checked) params.set("overdue", "true");
      if ($("worklist-unreached").checked) params.set("unreached", "true");
      let page;
      try {
        page = await pageAsked(api(`/dossiers?${params}`));
      } catch (e) {
        $("worklist-count").textContent = e.message;
        return;
      }
      if (page === undefined) return;
      if (!more) {
        shown = 0;
        $("worklist-table").innerHTML = `<tr>${["field_code", "field_procedure", "field_state", "field_since", "field_due"].map((c) => `<th>${esc(t("js." + c))}</th>`).join("")}</tr>`;
      }
      for (const d of page.items) {
        const row = $("worklist-table").insertRow();
        row.className = d.overdue ? "day-late" : "";
        row.innerHTML = `<td><button type="button" class="link">${esc(d.code)}</button></td><td>${esc(procedureName(d.procedure))}</td>` +
          `<td>${esc(stateName(d.state))}${d.unreached ? `<div class="unreached">${esc(t("js.unreached"))}</div>` : ""}</td>` +
          `<td>${esc(since(d.since))}</td>` +
          `<td>${esc(fmtDate(d.due_date) + (d.overdue ? ` (${t("js.overdue")})` : ""))}</td>`;
        row.querySelector("button").addEventListener("click", async () => {
          $("lookup-code").value = d.code;
          await show(d.code);
          $("lookup").scrollIntoView();
        });
      }
      shown += page.items.length;
      const counted = $("worklist-state").value === "for_collection" ? "js.list_count_waiting" : "js.list_count";
      $("worklist-count").textContent = page.total ? t(counted, { shown, total: page.total }) : t("js.list_empty");
      $("worklist-more").hidden = shown >= page.total;
    }
    $("worklist-state").addEventListener("change", () => load(false));
    $("worklist-overdue").addEventListener("change", () => load(false));
    $("worklist-unreached").addEventListener("change", () => load(false));
    $("worklist-more").addEventListener("click", () => load(true));
    refreshWorklist = () => load(false);
    load(false);
  }
  // The staff's counter: a dossier in words (its agency and authority by name, its dates in the page's language,
  // the applicant where the role allows), its journey, and the moves its lifecycle allows now as buttons; a
  // handover asks for the number of the signed record first, a result handed to its applicant for a signature.
  // A state on its own (a field, a cell) begins with a capital, as the catalogue's English, written for sentences,
  // does not.
  const stateName = (key) => { const words = codeName("state", key); return words.charAt(0).toLocaleUpperCase(LANG) + words.slice(1); };
  const field = (name, value) => {
    const dt = document.createElement("dt"); dt.textContent = name;
    const dd = document.createElement("dd"); dd.textContent = value;
    return [dt, dd];
  };
  async function show(code, done = "") {
    for (const id of ["lookup-result", "lookup-steps", "lookup-moves", "lookup-proofs", "lookup-photos", "lookup-notices", "lookup-sms"]) $(id).replaceChildren();
    $("lookup-error").textContent = "";
    $("lookup-done").textContent = "";
    let data, steps, proofs, shots, sent;
    try {
      const path = `/dossiers/${encodeURIComponent(code)}`;
      [data, steps, proofs, shots, sent] = await Promise.all(
        [api(path), api(`${path}/events`), api(`${path}/proofs`), api(`${path}/photos`), api(`${path}/notices`)]);
    } catch (e) {
      $("lookup-error").textContent = e.message || t("js.lookup_failed");
      return;
    }
    const closed = data.moves.length === 0;
    const overdue = data.overdue ? ` (${t("js.overdue")})` : "";
    const agency = [data.agency.name || data.agency_id, data.agency.address].filter(Boolean).join(", ");
    const rows = [[t("js.field_code"), data.code], [t("js.field_procedure"), procedureName(data.procedure)],
                  [t("js.field_state"), stateName(data.state)], [t("js.field_received"), fmtWhen(hanoiTime(data.received_at))],
                  [t("js.field_due"), fmtDate(data.due_date) + overdue], [t("js.field_agency"), agency],
                  [t("js.field_authority"), data.authority_name || data.authority_code],
                  [t("js.field_return"), codeName("desk.return", data.return_mode)]];
    const a = data.applicant;
    rows.push(...(a ? [[t("js.field_applicant"), a.name], [t("js.field_phone"), a.phone], [t("js.field_address"), a.address],
                       [t("js.field_group"), codeName("desk.group", a.priority_group)]]
                    : [[t("js.field_applicant"), t("js.no_access")]]));
    $("lookup-result").append(...rows.flatMap(([name, value]) => field(name, value)));
    // The receipt to print for the applicant, where the reader may see the applicant (it names him).
    $("lookup-receipt").href = `/dossiers/${encodeURIComponent(data.code)}/receipt?lang=${LANG}`;
    $("lookup-receipt-line").hidden = !a;
    $("lookup-steps").append(...steps.map((step, k) => {
      const li = document.createElement("li");
      const where = step.place === "address" ? t("desk.at_address") : step.place_name || step.place;
      // A step of the same state is a change of hands (a home pickup handed over at its agency): said so.
      const what = k && steps[k - 1].state === step.state ? t("desk.handed") : stateName(step.state);
      const record = step.record_no && t("desk.record", { no: step.record_no });
      const why = step.reason && codeName("failure", step.reason);
      // Who moved it: a member of staff by name; the portal or the demonstration's simulation in words.
      const who = step.who_name || codeName("desk.who", step.who);
      li.textContent = [fmtWhen(hanoiTime(step.at)), what, where, record, why, who].filter(Boolean).join(" · ");
      return li;
    }));
    $("lookup-proofs").append(...proofs.map(proofItem));
    $("proofs-title").hidden = !proofs.length;
    // The photos the postman took at its stops (the door nobody opened), each opened in a tab by whoever may see
    // the applicant: the receiving agency's staff, answering him at the counter.
    $("lookup-photos").append(...shots.map((shot) => photoItem(data.code, shot, Boolean(a))));
    $("photos-title").hidden = !shots.length;
    noticesOf(data.code, sent);
    $("lookup-section").hidden = false;
    $("lookup-done").textContent = done;  // once the dossier is drawn as it now stands
    if (closed) {
      $("lookup-moves").textContent = t("js.moves_none");
      return;
    }
    for (const step of data.moves) {
      const button = moveButton(moveName(data, step), step.to === "cancelled" ? "danger" : "");
      button.dataset.to = step.to;
      button.addEventListener("click", () => {
        if (step.proof === "required") askProof(data, step);
        else if (step.handover) askRecord(data, step);
        else if (step.to !== "cancelled" || confirm(t("js.cancel_confirm", { code: data.code }))) record(data, step, null);
      });
      $("lookup-moves").append(button);
      // A result collected at the counter: the paper record's number, or who takes it signs on the tablet.
      if (step.proof === "optional") {
        const signs = moveButton(t("js.recipient_signs"), "secondary");
        signs.dataset.signs = step.to;
        signs.addEventListener("click", () => askProof(data, step));
        $("lookup-moves").append(signs);
      }
    }
  }
  // What the applicant was sent by SMS, each notice in words, taken or passed over with the provider's words; whether
  // he takes them, and (the agency's staff) a button to stop them or take them again as he asks at the counter.
  function noticesOf(code, sent) {
    $("lookup-notices").append(...sent.notices.map((n) => {
      const li = document.createElement("li");
      li.textContent = [fmtWhen(hanoiTime(n.at)), codeName("notice_kind", n.kind), ...noticeFate(n)].join(" · ");
      return li;
    }));
    const chosen = sent.chosen_by && t("js.notices_chosen", { who: sent.chosen_by_name || codeName("desk.who", sent.chosen_by), at: fmtWhen(hanoiTime(sent.chosen_at)) });
    $("lookup-sms").textContent = [t(sent.sms ? "js.notices_on" : "js.notices_off"), chosen].filter(Boolean).join(" ");
    if (!sent.notices.length) $("lookup-sms").append(" " + t("js.notices_none"));
    callOf(code, sent);
    if (ME.role !== "agency_staff") return;
    const button = moveButton(t(sent.sms ? "js.notices_stop" : "js.notices_resume"), "secondary");
    button.id = "lookup-sms-toggle";
    button.addEventListener("click", () => putNotices(code, "notices", { sms: !sent.sms }, "lookup-sms-toggle"));
    $("lookup-sms").append(" ", button);
  }
  // PUT ``body`` to the dossier's ``path`` (its notices, its call), then draw its notices again as answered, the
  // focus back on ``focus``.
  async function putNotices(code, path, body, focus) {
    try {
      const now = await api(`/dossiers/${encodeURIComponent(code)}/${path}`, { method: "PUT", body });
      for (const id of ["lookup-notices", "lookup-sms", "lookup-call"]) $(id).replaceChildren();
      noticesOf(code, now);
      $(focus).focus();
    } catch (e) {
      $("lookup-error").textContent = e.message || t("js.lookup_failed");
    }
  }
  // The applicant the notice of where his dossier stands did not reach: said, with the counter's last call about it;
  // the agency's staff keep the call they make (he answered and now knows, or no answer) and what was said. Every
  // call about the dossier is listed below, as a case file keeps each attempt.
  function callOf(code, sent) {
    const last = sent.call;
    const call = last && t(last.reached ? "js.call_reached" : "js.call_missed", {
      who: last.by_name || last.by, at: fmtWhen(hanoiTime(last.at)) });
    const said = last && last.note && t("js.call_note", { note: last.note });
    $("lookup-call").textContent = [sent.unreached && t("js.call_needed"), call, said].filter(Boolean).join(" ");
    $("lookup-calls").replaceChildren(...sent.calls.map(callItem));
    $("calls-title").hidden = !sent.calls.length;
    if (!sent.unreached || ME.role !== "agency_staff") return;
    const label = document.createElement("label");
    label.htmlFor = "lookup-call-note";
    label.textContent = t("js.call_note_label");
    const note = document.createElement("input");
    note.id = "lookup-call-note";
    note.maxLength = 300;
    note.autocomplete = "off";
    $("lookup-call").append(document.createElement("br"), label, " ", note);
    for (const [words, reached] of [[t("js.call_done"), true], [t("js.call_no_answer"), false]]) {
      const button = moveButton(words, reached ? "" : "secondary");
      button.dataset.reached = reached;
      button.addEventListener("click", () => {
        putNotices(code, "call", { reached, note: note.value.trim() || null }, "lookup-call");
      });
      $("lookup-call").append(" ", button);
    }
  }
  // One call of the counter to the applicant: when, who, how it went, what was said.
  function callItem(call) {
    const li = document.createElement("li");
    const how = t(call.reached ? "js.call_done" : "js.call_no_answer");
    li.textContent = [fmtWhen(hanoiTime(call.at)), call.by_name || call.by, how, call.note].filter(Boolean).join(" · ");
    return li;
  }
  // What became of a notice: passed over in its provider's words, or taken (by which channel, when a provider took
  // it; an SMS sent again of a Zalo notice no receipt confirmed) and then, by the provider's delivery receipt, on the
  // applicant's phone or never to be.
  function noticeFate(n) {
    if (n.passed) return [t("js.notice_passed", { why: n.passed })];
    if (!n.channel) return [t("js.notice_sent")];
    const receipt = n.receipt === "delivered" ? t("js.notice_delivered", { at: fmtWhen(hanoiTime(n.receipt_at)) })
      : n.receipt === "undelivered" ? t("js.notice_undelivered", { why: n.receipt_words })
      : t("js.notice_no_receipt");
    return [n.follow_up ? t("js.notice_sent_again") : t(`js.notice_sent_${n.channel}`), receipt];
  }
  // A move's button, of the class ``style`` ("danger", "secondary") or the main one's.
  function moveButton(words, style) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = words;
    button.className = style;
    return button;
  }
  // A signature taken at the applicant's address, at the counter or at a handover: when, what, who signed, who took
  // it; the paper checked and the signature as drawn where the role may read them (the staff of the dossier's
  // agency).
  function proofItem(proof) {
    const li = document.createElement("li");
    const signer = proof.name ? `${codeName("signer", proof.signer)} ${proof.name}` : codeName("signer", proof.signer);
    const paper = proof.id_type && `${codeName("id_type", proof.id_type)} …${proof.id_last4}`;
    const what = codeName("js.event", proof.event);
    li.textContent = [fmtWhen(hanoiTime(proof.at)), what, t("js.signed_by", { signer }), paper,
                      proof.taken_by_name || codeName("desk.who", proof.taken_by)].filter(Boolean).join(" · ");
    if (proof.signature) li.append(signatureImage(proof.signature));
    return li;
  }
  function photoItem(code, shot, readable) {
    const li = document.createElement("li");
    li.textContent = [fmtWhen(hanoiTime(shot.at)), codeName("js.event", shot.event),
                      t("js.photo_taken_by", { who: shot.taken_by_name || codeName("desk.who", shot.taken_by) })].join(" · ");
    if (readable) {
      const link = document.createElement("a");
      link.href = `/dossiers/${encodeURIComponent(code)}/photos/${shot.id}`;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = t("js.photo_link");
      li.append(" · ", link);
    }
    return li;
  }
  function signatureImage({ width, height, strokes }) {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.setAttribute("class", "signature");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", t("js.signature"));
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", strokes.map((line) => "M" + line.map(([x, y]) => `${x} ${y}`).join(" L")).join(" "));
    svg.append(path);
    return svg;
  }
  // A move as the staff say it; a dossier the postman could not hand over, taken back at the counter, has its own.
  const moveName = (data, step) =>
    (data.state === "to_authority" && step.to === "digitised" ? t("desk.move_back") : codeName("desk.move", step.to));
  function askRecord(data, step) {
    const form = document.createElement("form");
    form.className = "row";
    form.id = "record-form";
    const label = document.createElement("label");
    label.htmlFor = "record-no";
    label.textContent = t("js.move_record", { move: moveName(data, step) });
    const input = document.createElement("input");
    Object.assign(input, { id: "record-no", type: "text", required: true, maxLength: 64 });
    const submit = document.createElement("button");
    submit.type = "submit";
    submit.textContent = t("js.move_confirm");
    form.append(label, input, submit);
    form.addEventListener("submit", (ev) => { ev.preventDefault(); record(data, step, input.value.trim()); });
    closeForms();
    $("lookup-moves").after(form);
    input.focus();
  }
  // A result handed to its applicant: at the address (a move recorded after the fact) or at the counter, who takes
  // it signs on the tablet, against the paper the staff check. A proof refused is said in its form, kept as signed.
  function askProof(data, step) {
    closeForms();
    const event = step.place === "address" ? "delivered" : "collected";
    $("lookup-moves").insertAdjacentHTML("afterend", proofForm(event, data.applicant?.name));
    const form = $("lookup-moves").nextElementSibling;
    form.id = "proof-form";
    wireProof(form, (proof) => record(data, step, null, proof));
    form.scrollIntoView({ block: "nearest" });
  }
  const closeForms = () => { $("record-form")?.remove(); $("proof-form")?.remove(); };
  async function record(data, step, recordNo, proof = undefined) {
    try {
      const body = { to: step.to, place: step.place, record_no: recordNo, expected_seq: data.seq, proof };
      const moved = await api(`/dossiers/${encodeURIComponent(data.code)}/moves`, { method: "POST", body });
      closeForms();
      await show(data.code, t("js.moved", { state: stateName(moved.state) }));
      refreshWorklist();
    } catch (e) {
      const said = proof && $("proof-form")?.querySelector(".proof-error");
      (said || $("lookup-error")).textContent = e.message || t("js.lookup_failed");
    }
  }
  $("lookup-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    closeForms();
    show($("lookup-code").value.trim());
  });
  // Who is signed in, last: the work list it opens uses what is declared above.
  if (ME) {
    const role = t("role." + ME.role);
    $("who").textContent = t("js.signed_in", { name: personName(ME), role: role === "role." + ME.role ? ME.role : role });
    $("signin-form").hidden = true;
    $("signout-form").hidden = false;
    $("lookup").hidden = false;
    if (ME.role !== "planner") worklist(ME);
  }
})();
