// The report page's own script (plain browser JS, kept as text and inlined): reads the JSON island and draws the
// five charts with the inlined Chart.js, including a small plugin for 95% CI whiskers on the Q3 bars.

/** Browser JS run after Chart.js; expects `window.Chart` and `<script type="application/json" id="report-data">`. */
export const CLIENT_SCRIPT = String.raw`(function () {
  'use strict';
  var model = JSON.parse(document.getElementById('report-data').textContent);
  var a = model.answers;
  var Chart = window.Chart;
  var money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', notation: 'compact', maximumFractionDigits: 1 });
  var moneyFull = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
  var count = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
  var BLUE = '#3b6ea8', TEAL = '#2a9d8f', ORANGE = '#e07a3f', PURPLE = '#7a5ea8';

  Chart.defaults.animation = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = '#333';
  Chart.defaults.maintainAspectRatio = false;

  // Vertical whiskers from ds.whiskers[i] = [low, high] (value-axis units), drawn over the bars.
  var whiskers = {
    id: 'whiskers',
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx, y = chart.scales.y;
      chart.data.datasets.forEach(function (ds, di) {
        if (!ds.whiskers) return;
        var meta = chart.getDatasetMeta(di);
        ctx.save();
        ctx.strokeStyle = '#222';
        ctx.lineWidth = 1.5;
        meta.data.forEach(function (bar, i) {
          var w = ds.whiskers[i];
          if (!w || w[0] === null || w[1] === null) return;
          var lo = y.getPixelForValue(w[0]), hi = y.getPixelForValue(w[1]);
          var half = Math.max(3, Math.min(10, bar.width / 4));
          ctx.beginPath();
          ctx.moveTo(bar.x, lo); ctx.lineTo(bar.x, hi);
          ctx.moveTo(bar.x - half, lo); ctx.lineTo(bar.x + half, lo);
          ctx.moveTo(bar.x - half, hi); ctx.lineTo(bar.x + half, hi);
          ctx.stroke();
        });
        ctx.restore();
      });
    },
  };

  function short(s, n) { return s.length > n ? s.slice(0, n - 1) + '…' : s; }

  function draw(id, build) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    try {
      new Chart(canvas, build());
    } catch (e) {
      var p = document.createElement('p');
      p.className = 'chart-error';
      p.textContent = 'This chart could not be drawn: ' + (e && e.message ? e.message : String(e)) + ' (the table below has the numbers).';
      canvas.parentNode.replaceChild(p, canvas);
      console.error(e);
    }
  }

  function revenueChart(groups, color, period) {
    var lo = groups.map(function (g) { return g.ciLow; }).filter(function (v) { return v !== null; });
    var hi = groups.map(function (g) { return g.ciHigh; }).filter(function (v) { return v !== null; });
    return {
      type: 'bar',
      data: {
        labels: groups.map(function (g) { return g.label + ' (' + g.movies + ')'; }),
        datasets: [{
          label: 'Mean revenue (nominal $) with 95% CI',
          data: groups.map(function (g) { return g.meanRevenue; }),
          whiskers: groups.map(function (g) { return [g.ciLow, g.ciHigh]; }),
          backgroundColor: color,
        }],
      },
      plugins: [whiskers],
      options: {
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: {
            label: function (c) { return 'mean ' + (c.raw === null ? '—' : moneyFull.format(c.raw)); },
            afterLabel: function (c) {
              var g = groups[c.dataIndex];
              return g.ciLow === null ? '95% CI: — (fewer than 2 movies)' : '95% CI: ' + moneyFull.format(g.ciLow) + ' – ' + moneyFull.format(g.ciHigh);
            },
          } },
        },
        scales: {
          y: {
            suggestedMin: Math.min.apply(null, [0].concat(lo)),
            suggestedMax: Math.max.apply(null, [0].concat(hi)),
            ticks: { callback: function (v) { return money.format(v); } },
            title: { display: true, text: 'mean revenue (nominal $)' },
          },
          x: { title: { display: true, text: 'release ' + period + ' (revenue movies)' } },
        },
      },
    };
  }

  draw('chart-q1', function () {
    var top = a.q1.top;
    return {
      type: 'bar',
      data: {
        labels: top.map(function (m) { return short((m.title === null ? 'movie ' + m.movieId : m.title) + (m.year === null ? '' : ' (' + m.year + ')'), 48); }),
        datasets: [{ label: 'Weighted rating', data: top.map(function (m) { return m.weightedRating; }), backgroundColor: BLUE }],
      },
      options: {
        indexAxis: 'y',
        plugins: { legend: { display: false } },
        scales: {
          x: { title: { display: true, text: 'weighted rating (WR)' } },
          y: { title: { display: true, text: 'movie (year)' } },
        },
      },
    };
  });

  // Q2 and Q4: one bar per genre (its value from field), axis ticks written with format.
  function genreChart(genres, label, field, color, format, axisTitle) {
    return {
      type: 'bar',
      data: {
        labels: genres.map(function (x) { return x.genre; }),
        datasets: [{ label: label, data: genres.map(function (x) { return x[field]; }), backgroundColor: color }],
      },
      options: {
        plugins: { legend: { display: false } },
        scales: {
          x: { title: { display: true, text: 'genre' } },
          y: { beginAtZero: true, ticks: { callback: function (v) { return format.format(v); } }, title: { display: true, text: axisTitle } },
        },
      },
    };
  }

  draw('chart-q2', function () { return genreChart(a.q2.genres, 'Ratings', 'ratings', TEAL, count, 'counted ratings'); });

  draw('chart-q3-month', function () { return revenueChart(a.q3.byMonth, ORANGE, 'month'); });
  draw('chart-q3-quarter', function () { return revenueChart(a.q3.byQuarter, ORANGE, 'quarter'); });

  draw('chart-q4', function () {
    var c = genreChart(a.q4.genres, 'Total real revenue', 'realRevenue', PURPLE, money, 'total revenue, ' + (a.q4.cpiBase || '—') + ' dollars');
    c.options.plugins.tooltip = { callbacks: { label: function (x) { return moneyFull.format(x.raw); } } };
    return c;
  });

  document.documentElement.setAttribute('data-charts', 'done');
})();
`;
