// Tracking box of the citizens' page: a dossier's state without personal data (GET /track/{code}).
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const form = $("track-form");
  if (!form) return;
  // A link with the dossier's code (a receipt's, a message's: "/?code=..."): the code filled in, the phone's
  // digits asked for; they are never in a link.
  const code = new URLSearchParams(location.search).get("code");
  if (code) {
    $("track-code").value = code;
    $("track-phone").focus();
  }
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const out = $("track-result");
    out.textContent = "";
    const code = $("track-code").value.trim();
    const last4 = $("track-phone").value.trim();
    try {
      const data = await api(`/track/${encodeURIComponent(code)}?phone_last4=${encodeURIComponent(last4)}`);
      out.className = "";
      const expected = data.result_expected ? t("js.track_expected", { date: fmtDate(data.result_expected) }) : "";
      // The place unless the state says it already ("Đã tiếp nhận tại điểm phục vụ").
      const state = data.state_says_where ? data.state_words : t("js.track_state_where", { state: data.state_words, where: data.where_words });
      const answer = { procedure: procedureName(data.procedure), state, appointment: fmtDate(data.appointment) };
      // Where it was handed in and is decided, where the result comes back, and each step with its time.
      const agency = [data.agency.name || data.agency.agency_id, data.agency.address].filter(Boolean).join(", ");
      const lines = [
        t("js.track_answer", answer) + expected + ".",
        // The postman expected at the door today: first, for the citizen to be at home.
        data.visit ? data.visit.words + "." : "",
        t(data.channel === "home_pickup" ? "js.track_agency_home" : "js.track_agency", { agency }),
        data.authority ? t("js.track_authority", { authority: data.authority }) : "",
        data.return_mode === "agency" ? t("js.track_return_agency", { agency }) : t("js.track_return_address"),
      ].filter(Boolean);
      const steps = data.steps.map((step) => `<li><time datetime="${esc(step.at)}">${esc(fmtWhen(step.at))}</time> ${esc(step.state_words)}</li>`);
      // Where to collect the result, on the map with its hours (an agency the map holds).
      const show = data.return_mode === "agency" && data.agency.name
        ? ` <button type="button" class="link" id="track-show-agency">${esc(t("js.track_show_agency"))}</button>` : "";
      out.innerHTML = lines.map((line, i) => `<p${data.visit && i === 1 ? ' class="track-visit"' : ""}>${esc(line)}${i === lines.length - 1 ? show : ""}</p>`).join("") +
        `<p id="track-sms"></p><h3>${esc(t("js.track_steps"))}</h3><ol class="track-steps">${steps.join("")}</ol>`;
      if (show) {
        $("track-show-agency").addEventListener("click", () => document.dispatchEvent(new CustomEvent("show-agency", { detail: data.agency.agency_id })));
      }
      smsChoice(code, last4, data.sms);
    } catch (e) {
      out.className = "error";
      out.textContent = e.message || t("js.track_failed");
    }
  });

  // Whether the applicant takes the dossier's SMS notices, and the button that stops them or takes them again
  // (PUT /track/{code}/notices, checked by the same four digits).
  function smsChoice(code, last4, sms) {
    const line = $("track-sms");
    line.innerHTML = `${esc(t(sms ? "js.track_sms_on" : "js.track_sms_off"))} ` +
      `<button type="button" class="link" id="track-sms-toggle">${esc(t(sms ? "js.track_sms_stop" : "js.track_sms_resume"))}</button>`;
    $("track-sms-toggle").addEventListener("click", async () => {
      try {
        const path = `/track/${encodeURIComponent(code)}/notices?phone_last4=${encodeURIComponent(last4)}`;
        const chosen = await api(path, { method: "PUT", body: { sms: !sms } });
        smsChoice(code, last4, chosen.sms);
        $("track-sms-toggle").focus();
      } catch (e) {
        line.textContent = e.message || t("js.track_failed");
      }
    });
  }
})();
