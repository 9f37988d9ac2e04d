// Draws every <canvas data-chart="ID"> from the JSON spec in <script type="application/json" id="ID">.
// Spec: {type: "line"|"bar", labels: [...], series: {name: [numbers|null]}, title,
//        stacked?, min?, max?, spanGaps?}. No inline scripts, no network: Chart.js is served locally.
(function () {
  "use strict";
  var PALETTE = ["#1f5f8b", "#c0392b", "#27ae60", "#8e44ad", "#d68910", "#16a085",
                 "#7f8c8d", "#2c3e50", "#e67e22", "#2980b9", "#a93226", "#117a65",
                 "#6c3483", "#b7950b", "#5d6d7e", "#ca6f1e", "#1a5276", "#7d3c98"];

  function draw(canvas) {
    var holder = document.getElementById(canvas.getAttribute("data-chart"));
    if (!holder || typeof Chart === "undefined") { return; }
    var spec;
    try { spec = JSON.parse(holder.textContent); } catch (e) { return; }
    var names = Object.keys(spec.series || {});
    var datasets = names.map(function (name, i) {
      var color = PALETTE[i % PALETTE.length];
      return {
        label: name, data: spec.series[name], borderColor: color,
        backgroundColor: spec.type === "bar" ? color : color + "33",
        borderWidth: 2, pointRadius: spec.type === "line" ? 1.5 : 0, tension: 0.2,
        spanGaps: !!spec.spanGaps
      };
    });
    var y = { beginAtZero: spec.min === undefined, stacked: !!spec.stacked };
    // counts (no explicit range) get whole-number ticks: no "2.5 statements"
    if (spec.min === undefined && spec.max === undefined) { y.ticks = { precision: 0 }; }
    if (spec.min !== undefined) { y.min = spec.min; }
    if (spec.max !== undefined) { y.max = spec.max; }
    new Chart(canvas, {
      type: spec.type || "line",
      data: { labels: spec.labels || [], datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { display: names.length > 1, position: "bottom" } },
        scales: { x: { stacked: !!spec.stacked, ticks: { maxTicksLimit: 12 } }, y: y }
      }
    });
    canvas.setAttribute("data-drawn", "1");
  }

  function drawAll() {
    var canvases = document.querySelectorAll("canvas[data-chart]");
    for (var i = 0; i < canvases.length; i++) { draw(canvases[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
