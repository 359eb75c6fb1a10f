// Draws a chart from the table it stands beside (the table stays the accessible version and
// the source of every figure). Canvas elements name their table: data-chart-table="<id>".
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var colours = ["#154273", "#b35c00", "#39870c", "#8b1a5f", "#01689b"];
  var euro = new Intl.NumberFormat("nl-NL", { style: "currency", currency: "EUR" });

  function grouped(table) {
    var series = Array.prototype.map.call(
      table.querySelectorAll("thead th[data-series]"),
      function (th) { return { key: th.getAttribute("data-series"), label: th.textContent.trim() }; }
    );
    var rows = table.querySelectorAll("tbody tr[data-ministry]");
    var labels = Array.prototype.map.call(rows, function (tr) { return tr.getAttribute("data-ministry"); });
    var datasets = series.map(function (s, i) {
      return {
        label: s.label,
        backgroundColor: colours[i % colours.length],
        data: Array.prototype.map.call(rows, function (tr) {
          var cell = tr.querySelector('td[data-series="' + s.key + '"]');
          var value = cell ? cell.getAttribute("data-value") : "";
          return value === "" ? null : Number(value);
        })
      };
    });
    return { labels: labels, datasets: datasets, stacked: false };
  }

  function stacked(table) {
    var rows = table.querySelectorAll("tbody tr[data-ministry]");
    var labels = Array.prototype.map.call(rows, function (tr) { return tr.getAttribute("data-ministry"); });
    function part(name) {
      return Array.prototype.map.call(rows, function (tr) { return Number(tr.getAttribute(name)) / 100; });
    }
    var base = document.documentElement.lang === "nl" ? ["Basis", "Variabel"] : ["Base", "Variable"];
    return {
      labels: labels,
      datasets: [
        { label: base[0], backgroundColor: colours[0], data: part("data-base") },
        { label: base[1], backgroundColor: colours[1], data: part("data-variable") }
      ],
      stacked: true
    };
  }

  Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart-table]"), function (canvas) {
    var table = document.getElementById(canvas.getAttribute("data-chart-table"));
    if (!table) { return; }
    var data = canvas.getAttribute("data-chart-kind") === "stacked" ? stacked(table) : grouped(table);
    new Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: data.datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: data.stacked },
          y: { stacked: data.stacked, ticks: { callback: function (v) { return euro.format(v); } } }
        },
        plugins: {
          tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + euro.format(c.parsed.y); } } }
        }
      }
    });
  });
})();
