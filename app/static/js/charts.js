// Draws a chart from the table it stands beside (the table stays the accessible version and
// the source of every figure). Canvas elements name their table: data-chart-table="<id>".
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var colours = ["#154273", "#b35c00", "#39870c", "#8b1a5f", "#01689b", "#5c4b00"];
  var points = ["circle", "rect", "triangle", "rectRot", "crossRot", "star"];
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
          var cell = Array.prototype.find.call(tr.querySelectorAll("td[data-series]"), function (td) {
            return td.getAttribute("data-series") === s.key;
          });
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

  // A line per row (a ministry) over the columns (the years): thead th[data-label] name the
  // points, each row's td[data-value] give them; each line has its own colour and point shape.
  function line(table) {
    var labels = Array.prototype.map.call(
      table.querySelectorAll("thead th[data-label]"),
      function (th) { return th.getAttribute("data-label"); }
    );
    var rows = table.querySelectorAll("tbody tr[data-ministry]");
    var datasets = Array.prototype.map.call(rows, function (tr, i) {
      return {
        label: tr.getAttribute("data-ministry"),
        borderColor: colours[i % colours.length],
        backgroundColor: colours[i % colours.length],
        pointStyle: points[i % points.length],
        pointRadius: 5,
        data: Array.prototype.map.call(tr.querySelectorAll("td[data-value]"), function (td) {
          var value = td.getAttribute("data-value");
          return value === "" ? null : Number(value);
        })
      };
    });
    return { labels: labels, datasets: datasets, stacked: false, type: "line" };
  }

  var kinds = { stacked: stacked, grouped: grouped, line: line };

  Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart-table]"), function (canvas) {
    var table = document.getElementById(canvas.getAttribute("data-chart-table"));
    if (!table) { return; }
    var data = (kinds[canvas.getAttribute("data-chart-kind")] || grouped)(table);
    new Chart(canvas, {
      type: data.type || "bar",
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
          legend: { labels: { usePointStyle: data.type === "line" } },
          tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + euro.format(c.parsed.y); } } }
        }
      }
    });
  });
})();
