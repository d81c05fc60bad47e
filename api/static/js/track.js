// Tracking box of the citizens' page: a dossier's state without personal data (GET /track/{code}).
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const form = $("track-form");
  if (!form) return;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const out = $("track-result");
    out.textContent = "";
    const code = $("track-code").value.trim();
    const last4 = $("track-phone").value.trim();
    const r = await fetch(`/track/${encodeURIComponent(code)}?phone_last4=${encodeURIComponent(last4)}`);
    const data = await r.json();
    if (!r.ok) {
      out.className = "error";
      out.textContent = (data.detail && data.detail[0] && data.detail[0].reason) || "Không tra cứu được.";
      return;
    }
    out.className = "";
    const expected = data.result_expected ? `; dự kiến có kết quả: ${data.result_expected}` : "";
    out.textContent = `${data.state_words}. ${data.where_words}. Ngày hẹn trả: ${data.appointment}${expected}.`;
  });
})();
