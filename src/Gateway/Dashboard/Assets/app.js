"use strict";
const COLORS = ["#2f80ed", "#eb5757", "#27ae60", "#f2994a", "#9b51e0", "#56ccf2", "#bdbdbd", "#6fcf97", "#f2c94c", "#333"];
const KEEP = 120;
const history = { t: [], series: {} };
let previous = null;
let polls = 0;

function push(name, value) {
  const s = history.series[name] || (history.series[name] = []);
  while (s.length < history.t.length - 1) { s.push(null); }
  s.push(value);
  if (s.length > KEEP) { s.shift(); }
}

function sizeCanvas(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
    canvas.width = Math.round(w * ratio); canvas.height = Math.round(h * ratio);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, w, h);
  return { ctx, w, h };
}

function axes(ctx, w, h, max, fmt) {
  ctx.strokeStyle = "#e4e7eb"; ctx.fillStyle = "#7b8794"; ctx.font = "10px system-ui";
  for (let i = 0; i <= 4; i++) {
    const y = 6 + (h - 20) * i / 4;
    ctx.beginPath(); ctx.moveTo(40, y); ctx.lineTo(w - 4, y); ctx.stroke();
    ctx.fillText(fmt(max * (4 - i) / 4), 2, y + 3);
  }
}

function lineChart(id, names, fmt = compact) {
  const { ctx, w, h } = sizeCanvas(document.getElementById(id));
  const data = names.map(n => history.series[n] || []);
  const max = Math.max(1e-9, ...data.flat().filter(v => v != null)) * 1.1;
  axes(ctx, w, h, max, fmt);
  data.forEach((s, i) => {
    ctx.strokeStyle = COLORS[i % COLORS.length]; ctx.lineWidth = 2; ctx.beginPath();
    let started = false;
    s.forEach((v, x) => {
      if (v == null) { return; }
      const px = 40 + (w - 44) * (KEEP - s.length + x) / (KEEP - 1);
      const py = 6 + (h - 20) * (1 - v / max);
      if (started) { ctx.lineTo(px, py); } else { ctx.moveTo(px, py); started = true; }
    });
    ctx.stroke();
  });
}

function barChart(id, labels, values) {
  const { ctx, w, h } = sizeCanvas(document.getElementById(id));
  const max = Math.max(1, ...values) * 1.1;
  axes(ctx, w, h, max, compact);
  const slot = (w - 44) / Math.max(1, values.length);
  values.forEach((v, i) => {
    const bh = (h - 20) * v / max;
    ctx.fillStyle = COLORS[i % COLORS.length];
    ctx.fillRect(40 + slot * i + slot * 0.15, h - 14 - bh, slot * 0.7, bh);
    ctx.fillStyle = "#52606d";
    ctx.fillText(labels[i], 40 + slot * i + slot * 0.15, h - 2);
  });
}

// Built as elements, not markup: the page's Content-Security-Policy refuses style attributes in markup, not element.style.
function legend(id, names) {
  document.getElementById(id).replaceChildren(...names.map((n, i) => {
    const swatch = document.createElement("i");
    swatch.style.background = COLORS[i % COLORS.length];
    const entry = document.createElement("span");
    entry.append(swatch, n);
    return entry;
  }));
}

function escapeHtml(s) { return String(s).replace(/[&<>"]/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;" }[c])); }
function compact(v) { return v >= 1e6 ? (v / 1e6).toFixed(1) + "M" : v >= 1e3 ? (v / 1e3).toFixed(1) + "k" : (Math.round(v * 100) / 100).toString(); }
function seconds(v) { return v == null ? "–" : v < 1e-3 ? (v * 1e6).toFixed(1) + " µs" : v < 1 ? (v * 1e3).toFixed(2) + " ms" : v.toFixed(2) + " s"; }
function set(id, text) { document.getElementById(id).textContent = text; }

// A quantile from bucket counts (per bucket, the last one +Inf), interpolated inside its bucket.
function quantile(bounds, buckets, q) {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (!total) { return null; }
  let rank = q * total, lower = 0;
  for (let i = 0; i < buckets.length; i++) {
    const upper = i < bounds.length ? bounds[i] : bounds[bounds.length - 1];
    if (rank <= buckets[i]) { return buckets[i] ? lower + (upper - lower) * rank / buckets[i] : upper; }
    rank -= buckets[i]; lower = upper;
  }
  return bounds[bounds.length - 1];
}

// Buckets since the last poll when there are any, else all of them.
function recent(entry, before) {
  if (!entry.buckets) { return null; }
  if (before && before.buckets && entry.timed > before.timed) { return entry.buckets.map((b, i) => b - (before.buckets[i] || 0)); }
  return entry.buckets;
}

function render(d) {
  const s = d.stats;
  const dt = previous ? Math.max(0.001, (d.time_ms - previous.time_ms) / 1000) : null;
  history.t.push(d.time_ms); if (history.t.length > KEEP) { history.t.shift(); }

  set("activations-total", String(s.activations));
  const types = Object.keys(d.activations);
  document.getElementById("activations-by-type").innerHTML = types.map(t => `<div class="figure"><b>${d.activations[t]}</b><span>${escapeHtml(t)}</span></div>`).join("");
  types.forEach(t => push("act:" + t, d.activations[t]));
  lineChart("chart-activations", types.map(t => "act:" + t)); legend("legend-activations", types);

  set("hit-ratio", s.hit_ratio.toFixed(4));
  set("hits-l1", String(s.hits_l1)); set("hits-l2", String(s.hits_l2)); set("misses", String(s.misses));
  set("coalesced", String(s.coalesced)); set("evictions", String(s.evictions)); set("expirations", String(s.expirations));
  set("entries-memory", String(s.size)); set("entries-storage", String(s.stored_entries));
  const cacheNames = ["hits L1/s", "hits L2/s", "misses/s", "coalesced/s", "evictions/s", "expirations/s"];
  const cacheKeys = ["hits_l1", "hits_l2", "misses", "coalesced", "evictions", "expirations"];
  cacheKeys.forEach((k, i) => push("cache:" + cacheNames[i], dt ? Math.max(0, (s[k] - previous.stats[k]) / dt) : null));
  lineChart("chart-cache", cacheNames.map(n => "cache:" + n)); legend("legend-cache", cacheNames);
  push("ratio", s.hit_ratio); lineChart("chart-ratio", ["ratio"], v => v.toFixed(2));

  const before = previous ? Object.fromEntries(previous.calls.map(c => [c.type + "." + c.method, c])) : {};
  const callNames = [];
  document.querySelector("#table-calls tbody").innerHTML = d.calls.map(c => {
    const name = c.type + "." + c.method, b = before[name];
    const rate = dt ? Math.max(0, (c.calls - (b ? b.calls : 0)) / dt) : null;
    push("calls:" + name, rate); callNames.push(name);
    const buckets = recent(c, b);
    const p50 = buckets ? quantile(c.bounds, buckets, 0.5) : null, p99 = buckets ? quantile(c.bounds, buckets, 0.99) : null;
    return `<tr><td>${escapeHtml(c.type)}</td><td>${escapeHtml(c.method)}</td><td>${rate == null ? "–" : compact(rate)}</td><td>${c.calls}</td><td>${seconds(p50)}</td><td>${seconds(p99)}</td></tr>`;
  }).join("");
  lineChart("chart-calls", callNames.map(n => "calls:" + n)); legend("legend-calls", callNames);

  set("inflight", String(d.inference.inflight)); set("queued", String(d.inference.queued));
  push("inf:in flight", d.inference.inflight); push("inf:queued", d.inference.queued);
  lineChart("chart-inference", ["inf:in flight", "inf:queued"]); legend("legend-inference", ["in flight", "queued"]);
  const beforeModels = previous ? Object.fromEntries(previous.inference.models.map(m => [m.model, m])) : {};
  document.querySelector("#table-models tbody").innerHTML = d.inference.models.map(m => {
    const buckets = recent(m, beforeModels[m.model]);
    return `<tr><td>${escapeHtml(m.model)}</td><td></td><td>${m.timed}</td><td>${m.failures}</td><td>${seconds(quantile(m.bounds, buckets, 0.5))}</td><td>${seconds(quantile(m.bounds, buckets, 0.99))}</td></tr>`;
  }).join("");

  barChart("chart-shards", d.shards.map((_, i) => "#" + i), d.shards);
  const jobs = d.jobs || { processing: 0, completed: 0, failed: 0 };
  document.getElementById("jobs-figures").innerHTML = ["processing", "completed", "failed"].map(k => `<div class="figure"><b id="jobs-${k}">${jobs[k]}</b><span>${k}</span></div>`).join("");
  barChart("chart-jobs", ["processing", "completed", "failed"], [jobs.processing, jobs.completed, jobs.failed]);

  previous = d;
  polls++;
  document.body.dataset.polls = String(polls);
  set("status", "updated " + new Date(d.time_ms).toLocaleTimeString() + " · every 1 s");
}

async function poll() {
  try {
    const response = await fetch("/dashboard/data" + location.search, { headers: { "Accept": "application/json" }, cache: "no-store" });
    if (!response.ok) { throw new Error("HTTP " + response.status); }
    render(await response.json());
  } catch (e) {
    set("status", "error: " + e.message);
  } finally {
    setTimeout(poll, 1000);
  }
}
// The key, when it came in the query, goes along: the gateway keeps it in a cookie for the Orleans Dashboard's own requests.
document.getElementById("orleans-dashboard").href = "/dashboard/orleans/" + location.search;
poll();
