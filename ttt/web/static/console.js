// ttt console: small progressive enhancement. Forms marked .api call /api/v1 with the session's
// CSRF token (the API does the checks and the audit); tables marked .api-table list an API answer.
(function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

  document.querySelectorAll("select[data-autosubmit]").forEach((el) =>
    el.addEventListener("change", () => el.form.submit()));

  function value(input) {
    const t = input.dataset.type;
    if (t === "bool") return input.checked;
    if (input.value === "") return undefined;
    if (t === "int") return parseInt(input.value, 10);
    if (t === "float") return parseFloat(input.value);
    return input.value;
  }

  // "outcome.mode" -> {"outcome": {"mode": ...}}
  function body(form) {
    const out = {};
    form.querySelectorAll("input[name], select[name], textarea[name]").forEach((input) => {
      if (input.type === "radio" && !input.checked) return;
      const v = value(input);
      if (v === undefined) return;
      const path = input.name.split(".");
      let node = out;
      path.slice(0, -1).forEach((k) => (node = node[k] = node[k] || {}));
      node[path[path.length - 1]] = v;
    });
    return out;
  }

  function message(detail) {
    if (Array.isArray(detail)) return detail.map((d) => (d.field ? d.field + ": " : "") + d.message).join("; ");
    return String(detail || "");
  }

  document.querySelectorAll("form.api").forEach((form) => {
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const out = form.querySelector(".result");
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const r = await fetch(form.dataset.api, {
          method: form.dataset.method || "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, Accept: "application/json" },
          body: JSON.stringify(body(form)),
        });
        if (r.ok) { window.location.reload(); return; }
        const err = await r.json().catch(() => ({}));
        out.textContent = message(err.detail) || r.statusText;
        out.className = "result error";
      } finally { button.disabled = false; }
    });
  });

  function cell(v) {
    if (v === null || v === undefined) return "";
    if (Array.isArray(v)) return v.map(cell).join(", ");
    if (typeof v === "object") {
      if (v.reason) return String(v.reason);  // a flag: its reason in words
      return Object.entries(v).filter(([, x]) => x !== null && x !== 0 && x !== "").map(([k, x]) => k + ": " + cell(x)).join("; ");
    }
    return String(v);
  }

  document.querySelectorAll("table.api-table").forEach(async (table) => {
    const cols = table.dataset.columns.split(",");
    const head = table.createTHead().insertRow();
    cols.forEach((c) => { const th = document.createElement("th"); th.textContent = c.replace(/_/g, " "); head.appendChild(th); });
    const tbody = table.createTBody();
    const r = await fetch(table.dataset.source, { credentials: "same-origin", headers: { Accept: "application/json" } });
    const data = r.ok ? await r.json() : { items: [] };
    const items = data.items || data.features?.map((f) => ({ ...f.properties, id: f.id })) || [];
    if (!items.length) { tbody.insertRow().insertCell().textContent = r.ok ? table.dataset.empty : r.status + " " + r.statusText; }
    const actions = JSON.parse(table.dataset.actions || "[]");
    if (actions.length) head.appendChild(document.createElement("th"));
    items.forEach((item) => {
      const row = tbody.insertRow();
      cols.forEach((c) => (row.insertCell().textContent = cell(item[c])));
      if (!actions.length) return;
      const td = row.insertCell();
      actions.filter((a) => (!a.when || item[a.when]) && (!a.unless || !item[a.unless])).forEach((a) => {
        const b = document.createElement("button");
        b.type = "button"; b.textContent = a.label;
        b.addEventListener("click", async () => {
          b.disabled = true;
          const r = await fetch(a.url.replace("{id}", encodeURIComponent(item.id)), {
            method: a.method, credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, Accept: "application/json" },
            body: JSON.stringify(a.body || {}) });
          if (r.ok) { window.location.reload(); return; }
          const err = await r.json().catch(() => ({}));
          b.disabled = false; b.title = message(err.detail) || r.statusText; b.classList.add("error");
        });
        td.appendChild(b);
      });
    });
  });

  // statistics page: the chart and the CSV link follow the chosen grouping
  const stats = document.getElementById("stats-form");
  if (stats) {
    stats.addEventListener("change", () => {
      const q = new URLSearchParams({ compare: "previous" });
      new FormData(stats).forEach((v, k) => {
        if (k === "season") { const [a, b] = v.split("|"); q.set("from", a); q.set("to", b); } else if (v) q.set(k, v);
      });
      q.set("format", "svg"); document.getElementById("chart").src = stats.dataset.api + "?" + q;
      q.set("format", "csv"); document.getElementById("csv").href = stats.dataset.api + "?" + q;
    });
  }
  // completeness of the points shown (staff only: the quality API is for data managers)
  const quality = document.getElementById("quality");
  if (quality) {
    const codes = new Set(quality.dataset.codes.split(",").filter(Boolean));
    const fill = (t, v) => t.replace(/\{(\w+)\}/g, (_, k) => v[k] ?? "");
    fetch(quality.dataset.api, { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : null)).then((d) => {
      const items = ((d && d.items) || []).filter((i) => codes.has(i.flow_point));
      if (!items.length) return;
      const sum = (k) => items.reduce((n, i) => n + (i[k] || 0), 0);
      const last = items.map((i) => i.last_report || "").sort().pop() || "-";
      quality.textContent = fill(quality.dataset.label, { reported: sum("days_reported"), days: sum("days_in_period"),
        percent: Math.round(100 * sum("days_reported") / Math.max(1, sum("days_in_period"))), last });
      items.filter((i) => i.data_gap).forEach((i) => {
        const p = document.createElement("p"); p.className = "error";
        p.textContent = i.name + ": " + fill(quality.dataset.gap, { last: i.last_report || "-" });
        quality.after(p);
      });
    }).catch(() => {});
  }
})();
