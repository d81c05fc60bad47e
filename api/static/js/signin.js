// Sign-in page: shows who is signed in and lets staff look a dossier up (personal data only if their role allows).
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const ROLE = { agency_staff: "nhân viên điểm phục vụ", dispatcher: "điều phối viên", postman: "bưu tá",
                 planner: "quy hoạch", admin: "quản trị" };
  if (new URLSearchParams(location.search).has("error")) {
    $("signin-error").textContent = "Sai tên đăng nhập hoặc mật khẩu.";
  }
  fetch("/me", { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : null)).then((me) => {
    if (!me) return;
    $("who").textContent = `Đã đăng nhập: ${me.name} (${ROLE[me.role] || me.role})`;
    $("signin-form").hidden = true;
    $("signout-form").hidden = false;
    $("lookup").hidden = false;
  });
  $("lookup-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("lookup-result").replaceChildren();
    $("lookup-error").textContent = "";
    const r = await fetch(`/dossiers/${encodeURIComponent($("lookup-code").value.trim())}`, { credentials: "same-origin" });
    const data = await r.json();
    if (!r.ok) {
      $("lookup-error").textContent = (data.detail && data.detail[0] && data.detail[0].reason) || "Lỗi";
      return;
    }
    const rows = [["Mã hồ sơ", data.code], ["Thủ tục", data.procedure], ["Trạng thái", data.state],
                  ["Ngày hẹn trả", data.due_date],
                  ["Người nộp", data.applicant ? data.applicant.name : "(không có quyền xem)"]];
    for (const [k, v] of rows) {
      const dt = document.createElement("dt"); dt.textContent = k;
      const dd = document.createElement("dd"); dd.textContent = v;
      $("lookup-result").append(dt, dd);
    }
  });
})();
