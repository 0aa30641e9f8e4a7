/**
 * The dashboard's browser script, as text inlined into the page (the admin port serves no other files and
 * the page must work without internet access). It polls `/dashboard/data` every second and redraws the
 * tables and the SVG charts.
 * @module
 */

/** The script. Elements the browser test reads: `#total-rps`, `#status`, `svg[data-chart]` (`data-points`). */
export const DASHBOARD_SCRIPT = String.raw`
"use strict";
const POLL_MS = 1000;
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
const num = (v) => v === null || v === undefined ? "–" : String(v >= 100 ? Math.round(v) : Number(v.toFixed(v >= 10 ? 1 : 2)));
const ms = (v) => v === null || v === undefined ? "–" : num(v) + " ms";
const pct = (v) => v === null || v === undefined ? "–" : (v === 0 ? "0" : num(v * 100)) + "%";

/** The top of a chart's scale: its largest value, at least "min" (and never 0). */
function scaleOf(lines, min) {
  let max = min || 0;
  for (const l of lines) for (const v of l.values) if (v !== null && v > max) max = v;
  return max === 0 ? 1 : max;
}

/** An SVG line chart of one or more value lists (null values break the line); "area" fills the first. */
function chart(kind, lines, opts) {
  const w = opts.w, h = opts.h, pad = 2, max = scaleOf(lines, opts.min);
  const n = lines[0].values.length;
  const x = (i) => (n <= 1 ? 0 : i * w / (n - 1)).toFixed(1);
  const y = (v) => (h - pad - (v / max) * (h - 2 * pad)).toFixed(1);
  let paths = "";
  for (const l of lines) {
    let d = "", open = false;
    l.values.forEach((v, i) => {
      if (v === null) { open = false; return; }
      d += (open ? "L" : "M") + x(i) + " " + y(v);
      open = true;
    });
    if (l.area && d !== "") {
      paths += '<path class="area ' + l.cls + '" d="M0 ' + h + ' ' + d.replace(/^M/, "L") + ' L' + w + ' ' + h + 'Z"/>';
    }
    paths += '<path class="line ' + l.cls + '" d="' + (d || "M0 " + h) + '"/>';
  }
  const points = lines[0].values.map((v) => v === null ? "" : Math.round(v * 1000) / 1000).join(",");
  return '<svg class="chart ' + (opts.big ? "big" : "") + '" data-chart="' + kind + '" data-points="' + points +
    '" viewBox="0 0 ' + w + ' ' + h + '" preserveAspectRatio="none"><title>' + esc(opts.title) + ", max " +
    esc(opts.fmt(max)) + "</title>" + paths + "</svg>";
}

function charts(series, big) {
  const size = big ? { w: 600, h: 120, big: true } : { w: 160, h: 34 };
  const specs = [
    { kind: "rps", title: "requests/s", fmt: num, lines: [{ values: series.rps, cls: "rps", area: true }] },
    {
      kind: "errors", title: "5xx %", fmt: (v) => num(v) + "%", min: 1,
      lines: [{ values: series.errorRate.map((v) => v === null ? null : v * 100), cls: "err" }],
    },
    {
      kind: "latency", title: "latency p50/p90/p99", fmt: ms,
      caption: 'latency <b class="p50">p50</b> <b class="p90">p90</b> <b class="p99">p99</b>',
      lines: [{ values: series.p99, cls: "p99" }, { values: series.p90, cls: "p90" }, { values: series.p50, cls: "p50" }],
    },
  ];
  return '<div class="charts">' + specs.map((c) =>
    "<figure>" + chart(c.kind, c.lines, { ...size, min: c.min, title: c.title, fmt: c.fmt }) +
    (big ? "<figcaption>" + (c.caption || c.title) + " · max " + esc(c.fmt(scaleOf(c.lines, c.min))) + "</figcaption>" : "") +
    "</figure>").join("") + "</div>";
}

function liveCells(series) {
  if (!series) return '<td class="n">–</td><td class="n">–</td><td class="n">–</td><td class="idle">no traffic in the last minute</td>';
  const s = series.summary;
  return '<td class="n rps-now">' + num(s.rps) + '</td><td class="n ' + (s.errorRate > 0 ? "bad" : "") + '">' +
    pct(s.errorRate) + '</td><td class="n lat">' + ms(s.p50) + "<br>" + ms(s.p90) + "<br>" + ms(s.p99) +
    "</td><td>" + charts(series, false) + "</td>";
}

const LIVE_HEAD = '<th>req/s</th><th>5xx</th><th>p50<br>p90<br>p99</th><th>last 60 s</th>';

function render(data) {
  const routes = new Map(data.traffic.routes.map((s) => [s.key, s]));
  const clusters = new Map(data.traffic.clusters.map((s) => [s.key, s]));
  const t = data.traffic.total;
  document.getElementById("total-rps").textContent = num(t.summary.rps);
  document.getElementById("total-errors").textContent = pct(t.summary.errorRate);
  document.getElementById("total-p50").textContent = ms(t.summary.p50);
  document.getElementById("total-p90").textContent = ms(t.summary.p90);
  document.getElementById("total-p99").textContent = ms(t.summary.p99);
  document.getElementById("total-requests").textContent = String(t.summary.requests);
  document.getElementById("total-charts").innerHTML = charts(t, true);

  document.getElementById("listeners").innerHTML = "<tr><th>listener</th><th>address</th><th>protocol</th>" +
    "<th>state</th><th>route tables</th></tr>" + data.listeners.map((l) =>
      "<tr><td>" + esc(l.name) + "</td><td>" + esc(l.address + ":" + l.boundPort) + "</td><td>" + esc(l.protocol) +
      '</td><td><span class="state ' + esc(l.state) + '" title="' + esc(l.error || "") + '">' + esc(l.state) +
      "</span></td><td>" + esc(l.routeTables.join(", ")) + "</td></tr>").join("");

  document.getElementById("routes").innerHTML = data.routeTables.map((rt) => {
    const rows = [];
    for (const vh of rt.virtualHosts) {
      vh.routes.forEach((r, i) => {
        rows.push('<tr class="route" data-key="' + esc(r.key) + '">' +
          (i === 0 ? '<td rowspan="' + vh.routes.length + '" class="vh">' + esc(vh.domains.join(", ")) + "</td>" : "") +
          "<td>" + esc(r.virtualService) + "<br><small>" + esc(r.label) + "</small></td><td>" + esc(r.match) +
          "</td><td>" + esc(r.action) + "</td>" + liveCells(routes.get(r.key)) + "</tr>");
      });
    }
    const none = routes.get(rt.noRouteKey);
    if (none) {
      rows.push('<tr class="route" data-key="' + esc(rt.noRouteKey) + '"><td colspan="4"><i>no route (404 NR)</i></td>' +
        liveCells(none) + "</tr>");
    }
    return "<h3>" + esc(rt.name) + " <small>port " + rt.port + "</small></h3><table><tr><th>hosts</th><th>route</th>" +
      "<th>match</th><th>action</th>" + LIVE_HEAD + "</tr>" + rows.join("") + "</table>";
  }).join("") + (routes.has("(other)") ? "<h3>other routes</h3><table><tr>" + LIVE_HEAD + "</tr><tr>" +
    liveCells(routes.get("(other)")) + "</tr></table>" : "");

  document.getElementById("clusters").innerHTML = "<tr><th>cluster</th><th>endpoints</th>" + LIVE_HEAD + "</tr>" +
    data.clusters.map((c) => {
      const eps = c.hosts.map((h) => '<span class="ep ' + (h.healthy ? "healthy" : "ejected") + '" title="weight ' +
        h.weight + (h.locality ? ", " + esc(h.locality) : "") + ", rq_active " + h.rqActive + '">' +
        esc(h.address + ":" + h.port) + " " + (h.healthy ? "healthy" : "failed_outlier_check") + "</span>").join(" ");
      return '<tr class="cluster" data-key="' + esc(c.name) + '"><td>' + esc(c.name) + "</td><td>" +
        (eps || "<i>no endpoints</i>") + "</td>" + liveCells(clusters.get(c.name)) + "</tr>";
    }).join("") + (clusters.has("(other)") ? '<tr><td colspan="2"><i>other clusters</i></td>' +
      liveCells(clusters.get("(other)")) + "</tr>" : "");

  document.getElementById("status").textContent = "config v" + data.version + " · updated " +
    new Date((data.traffic.lastSecond + 1) * 1000).toLocaleTimeString();
  document.body.classList.remove("offline");
}

async function poll() {
  try {
    const res = await fetch("/dashboard/data", { cache: "no-store" });
    if (!res.ok) throw new Error("HTTP " + res.status);
    render(await res.json());
  } catch (e) {
    document.body.classList.add("offline");
    document.getElementById("status").textContent = "cannot reach the gateway: " + e.message;
  }
  setTimeout(poll, POLL_MS);
}
poll();
`;
