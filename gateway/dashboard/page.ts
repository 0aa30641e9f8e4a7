/**
 * The dashboard page: one self-contained HTML document (styles and script inline, charts in SVG), so that it
 * works on a machine without internet access.
 * @module
 */
import { DASHBOARD_SCRIPT } from "./page_script.ts";

const STYLE = `
:root { --fg: #1d2330; --muted: #6b7385; --line: #e3e6ec; --bg: #f6f7f9; --card: #fff;
  --rps: #2f6fdf; --err: #d9363e; --p50: #2a9d5c; --p90: #e08a00; --p99: #8e44ad; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; align-items: baseline; gap: 16px; padding: 10px 20px; background: #1d2330; color: #fff; }
header h1 { font-size: 17px; margin: 0; }
header a { color: #a9c4ff; margin-left: auto; }
#status::before { content: "●"; color: #3ecf7a; margin-right: 6px; }
body.offline #status::before { color: var(--err); }
main { padding: 12px 20px 40px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px;
  margin-bottom: 14px; }
h2 { font-size: 15px; margin: 2px 0 8px; }
h3 { font-size: 13px; margin: 12px 0 4px; }
h2 small, h3 small, td small { color: var(--muted); font-weight: normal; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; font-size: 12px; }
td.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.lat { font-size: 12px; }
td.bad { color: var(--err); font-weight: 600; }
td.idle { color: var(--muted); font-style: italic; }
td.vh { font-weight: 600; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 8px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; min-width: 100px; }
.card b { display: block; font-size: 22px; font-variant-numeric: tabular-nums; }
.card span { color: var(--muted); font-size: 12px; }
.charts { display: flex; gap: 6px; flex-wrap: wrap; }
td .charts { flex-wrap: nowrap; }
figure { margin: 0; }
figcaption { color: var(--muted); font-size: 12px; }
figcaption b { font-weight: 600; }
svg.chart { width: 160px; height: 34px; background: #fafbfc; border: 1px solid var(--line); display: block; }
svg.chart.big { width: 360px; height: 110px; }
path.line { fill: none; stroke-width: 1.5; vector-effect: non-scaling-stroke; }
path.area { stroke: none; opacity: .18; }
.rps { stroke: var(--rps); fill: var(--rps); color: var(--rps); }
.err { stroke: var(--err); color: var(--err); }
.p50 { stroke: var(--p50); color: var(--p50); }
.p90 { stroke: var(--p90); color: var(--p90); }
.p99 { stroke: var(--p99); color: var(--p99); }
.ep { display: inline-block; padding: 1px 6px; border-radius: 10px; font-size: 12px; margin: 1px 0; }
.ep.healthy { background: #e2f6ea; color: #1c6b3f; }
.ep.ejected { background: #fde4e4; color: #a11d24; }
.state.listening { color: #1c6b3f; }
.state.failed { color: var(--err); }
.state.unsupported { color: var(--muted); }
`;

/** The dashboard page's HTML. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Portcullis dashboard</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>Portcullis dashboard</h1><span id="status">loading…</span><a href="/">admin</a></header>
<main>
<section id="overview">
<h2>All traffic <small>(last 60 s)</small></h2>
<div class="cards">
<div class="card"><b id="total-rps">–</b><span>requests/s</span></div>
<div class="card"><b id="total-errors">–</b><span>5xx</span></div>
<div class="card"><b id="total-p50">–</b><span>p50</span></div>
<div class="card"><b id="total-p90">–</b><span>p90</span></div>
<div class="card"><b id="total-p99">–</b><span>p99</span></div>
<div class="card"><b id="total-requests">–</b><span>requests in 60 s</span></div>
</div>
<div id="total-charts"></div>
</section>
<section><h2>Listeners</h2><table id="listeners"></table></section>
<section><h2>Routes</h2><div id="routes"></div></section>
<section><h2>Clusters</h2><table id="clusters"></table></section>
</main>
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;
