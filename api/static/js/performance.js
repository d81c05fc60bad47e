// Dispatch page: the postmen's days against their plans over a period (GET /postmen/performance). Per day and per
// postman a bar of how the stops ended (done, failed, nothing recorded), then the share made in the window, the
// delay against the planned time and where it grows, how long a stop takes against the plan, the roads planned and
// why stops failed.
"use strict";

// The section, once the dispatch page knows who is asking: ``token`` gives the bearer token typed (empty when
// signed in), ``me`` the person signed in with a role that reads it, else null.
function performanceSection(token, me) {
  const form = document.getElementById("performance-form");
  const out = document.getElementById("performance-out");
  const upTo = document.getElementById("performance-to");
  const days = document.getElementById("performance-days");
  // Up to the day the page was opened at (the dispatch page's ``?date=``), else today.
  const linked = new URLSearchParams(location.search).get("date");
  fillDays(upTo, { from: addDays(hanoiToday(), -120), count: 121, chosen: isDay(linked) ? linked : hanoiToday() });

  const share = (value) => (value === null ? "–" : `${num(100 * value, 1)} %`);
  const minutes = (value) => {
    if (value === null) return "–";
    if (Math.abs(value) < 1) return t("js.perf_on_time");
    return t(value < 0 ? "js.perf_early" : "js.perf_late", { n: num(Math.abs(value), 0) });
  };

  // Minutes a leg adds to the delay, signed to a tenth ("+1,2 phút").
  const added = (value) => {
    if (value === null) return "–";
    return t("js.perf_added", { n: `${value < 0 ? "−" : "+"}${num(Math.abs(value), 1)}` });
  };

  // Minutes spent at a stop, to a tenth.
  const spent = (value) => (value === null ? "–" : t("js.perf_spent", { n: num(value, 1) }));

  // How the stops ended as one bar: done, failed (and the deliveries never visited after a failed pickup), the
  // rest; its words for screen readers and on hovering.
  function bar(f) {
    const failed = f.failed + f.after_failure;
    const label = esc(t("js.perf_bar", { done: f.done, failed, open: f.unsettled }));
    const part = (n, kind) => (n ? `<span class="perf-${kind}" style="flex-grow:${n}"></span>` : "");
    return `<div class="perf-bar" role="img" aria-label="${label}" title="${label}">` +
      `${part(f.done, "done")}${part(failed, "failed")}${part(f.unsettled, "open")}</div>`;
  }

  function figures(f) {
    const lines = [
      t("js.perf_ends", { done: f.done, failed: f.failed, after: f.after_failure, unsettled: f.unsettled }),
      `${t("js.perf_window", { share: share(f.in_window_share) })} · ` +
        t("js.perf_delay", { median: minutes(f.delay_median_min), p90: minutes(f.delay_p90_min) }),
      t("js.perf_km", { km: num(f.planned_km, 1), hours: num(f.planned_h, 1) }),
    ];
    if (f.door_settled) lines.splice(2, 0, t("js.perf_doors", { n: f.door_settled, share: share(f.door_in_window_share) }));
    if (f.first_delay_median_min !== null) {
      lines.splice(lines.length - 1, 0, t("js.perf_why", {
        first: minutes(f.first_delay_median_min), door: added(f.door_added_min), office: added(f.office_added_min),
      }));
    }
    if (f.visits_timed) {
      lines.splice(lines.length - 1, 0, t("js.perf_visits", {
        timed: f.visits_timed, settled: f.visits_settled,
        door: spent(f.door_visit_min), door_planned: spent(f.door_visit_planned_min),
        office: spent(f.office_visit_min), office_planned: spent(f.office_visit_planned_min),
      }));
    }
    const why = Object.entries(f.failures).map(([code, n]) => `${codeName("failure", code)} ${n}`);
    if (why.length) lines.push(t("js.perf_failures", { list: why.join(", ") }));
    if (f.far) lines.push(t("js.perf_far", { n: f.far }));
    if (f.photos) lines.push(t("js.perf_photos", { n: f.photos }));
    return lines.map((line) => `<div>${esc(line)}</div>`).join("");
  }

  function render(said) {
    const period = { from: fmtDate(said.from), to: fmtDate(said.to) };
    if (!said.days) return `<p class="muted">${esc(t("js.perf_none", period))}</p>`;
    const total = said.total;
    const byDay = said.by_day.map((d) =>
      `<li><span class="perf-label">${esc(fmtDate(d.day))}</span>${bar(d)}</li>`).join("");
    // A postman's name shows his days one by one; asked for one, a button gives back all.
    const byPostman = said.postmen.map((p) =>
      `<li><button type="button" class="link" data-postman="${esc(p.postman)}"` +
      ` aria-pressed="${said.postman === p.postman}">${esc(p.name)}</button>` +
      ` <span class="muted">${esc(t("js.perf_day_count", { n: p.days }))}</span>` +
      `${bar(p)}<div class="muted">${figures(p)}</div></li>`).join("");
    const dayTitle = said.postman
      ? t("js.perf_days_of", { name: said.postmen[0]?.name || said.postman }) : t("js.perf_days_title");
    const all = said.postman ? ` <button type="button" class="link" data-postman="">${esc(t("js.perf_all"))}</button>` : "";
    const key = ["done", "failed", "open"].map((kind) =>
      `<span class="swatch perf-${kind}"></span>${esc(t(`js.perf_key_${kind}`))}`).join(" ");
    return `<p>${esc(t("js.perf_period", { ...period, days: said.days, stops: total.stops }))}</p>` +
      `<div class="muted">${key}</div>${bar(total)}<div class="muted">${figures(total)}</div>` +
      `<h3>${esc(dayTitle)}${all}</h3><ul class="perf-list">${byDay}</ul>` +
      `<h3>${esc(t("js.perf_postmen_title"))}</h3><ul class="perf-list">${byPostman}</ul>`;
  }

  let postman = "";
  async function show() {
    out.innerHTML = "";
    try {
      const asked = new URLSearchParams({ to: upTo.value, days: days.value });
      if (postman) asked.set("postman", postman);
      out.innerHTML = render(await api(`/postmen/performance?${asked}`, { token: token() }));
    } catch (e) {
      out.innerHTML = `<p class="error" role="alert">${esc(e.message)}</p>`;
      return;
    }
    for (const button of out.querySelectorAll("button[data-postman]")) {
      button.onclick = () => {
        postman = button.dataset.postman === postman ? "" : button.dataset.postman;
        show();
      };
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    show();
  });
  if (token() || me) show();
}
