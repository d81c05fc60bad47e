// Sign-in page: shows who is signed in and lets staff look a dossier up (personal data only if their role allows).
// Texts come from the catalogue (common.js: t()).
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  if (new URLSearchParams(location.search).has("error")) {
    $("signin-error").textContent = t("js.signin_failed");
  }
  fetch("/me", { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : null)).then((me) => {
    if (!me) return;
    const role = t("role." + me.role);
    $("who").textContent = t("js.signed_in", { name: me.name, role: role === "role." + me.role ? me.role : role });
    $("signin-form").hidden = true;
    $("signout-form").hidden = false;
    $("lookup").hidden = false;
  });
  $("lookup-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("lookup-result").replaceChildren();
    $("lookup-error").textContent = "";
    const r = await fetch(`/dossiers/${encodeURIComponent($("lookup-code").value.trim())}`, {
      credentials: "same-origin", headers: { "Accept-Language": LANG },
    });
    const data = await r.json();
    if (!r.ok) {
      const d = data.detail && data.detail[0];
      $("lookup-error").textContent = (d && (d.message || d.reason)) || t("js.lookup_failed");
      return;
    }
    const rows = [[t("js.field_code"), data.code], [t("js.field_procedure"), procedureName(data.procedure)],
                  [t("js.field_state"), data.state], [t("js.field_due"), data.due_date],
                  [t("js.field_applicant"), data.applicant ? data.applicant.name : t("js.no_access")]];
    for (const [k, v] of rows) {
      const dt = document.createElement("dt"); dt.textContent = k;
      const dd = document.createElement("dd"); dd.textContent = v;
      $("lookup-result").append(dt, dd);
    }
  });
})();
