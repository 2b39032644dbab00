// The page script and style of `serve` (plain browser JS kept as text, served as /static/app.js and /static/app.css).
// It routes on location.pathname, fetches the JSON API and builds the DOM with textContent only (no HTML from data).

export const CLIENT_CSS = `
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; background: #f6f7f9; }
header { display: flex; align-items: center; gap: 24px; padding: 10px 20px; background: #1f2d3d; color: #fff; flex-wrap: wrap; }
header a { color: #dfe7f1; text-decoration: none; }
header a.brand { font-weight: 700; font-size: 17px; color: #fff; }
header nav { display: flex; gap: 16px; }
header nav a.active { color: #fff; border-bottom: 2px solid #7fb3ea; }
.status { margin-left: auto; font-size: 13px; }
.pill { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; background: #ccc; color: #222; }
.pill.success, .pill.pass, .pill.unchanged { background: #cdebd3; color: #145a26; }
.pill.failed, .pill.FAIL, .pill.check_failed, .pill.upstream_failed { background: #f6cfcf; color: #8a1616; }
.pill.running, .pill.WARN, .pill.queued { background: #fbe7b5; color: #6b4d00; }
.pill.skipped, .pill.not_run { background: #e3e3e3; color: #555; }
.busy { background: #fbe7b5; padding: 6px 20px; font-size: 13px; }
main { padding: 16px 20px 40px; max-width: 1280px; margin: 0 auto; }
h1 { font-size: 20px; margin: 8px 0 12px; }
h2 { font-size: 16px; margin: 0 0 8px; }
section.card { background: #fff; border: 1px solid #dde2e8; border-radius: 6px; padding: 14px 16px; margin: 0 0 16px; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
@media (max-width: 1000px) { .grid { grid-template-columns: 1fr; } }
.chart { position: relative; height: 300px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin-top: 8px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eceff3; vertical-align: top; }
th { background: #f1f4f7; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.table-wrap { overflow: auto; }
.grid .table-wrap, .logs { max-height: 360px; overflow: auto; }
svg text { font: 12px system-ui, sans-serif; }
.dag { overflow-x: auto; }
pre.logs { font-size: 12px; background: #f6f7f9; padding: 6px 8px; margin: 6px 0 0; white-space: pre-wrap; }
form.params { display: flex; flex-wrap: wrap; gap: 12px 18px; align-items: end; }
form.params label, form.filters label { display: flex; flex-direction: column; font-size: 12px; color: #555; gap: 2px; }
input, select, button { font: inherit; padding: 3px 6px; }
input[type=number] { width: 90px; }
form.filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: end; }
.muted { color: #777; }
.error { background: #f6cfcf; color: #6d1010; padding: 8px 12px; border-radius: 4px; }
.note { font-size: 13px; color: #444; margin: 4px 0; }
pre.raw { white-space: pre-wrap; word-break: break-all; margin: 0; font-size: 12px; background: #f6f7f9; padding: 4px 6px; max-width: 700px; }
.pager { display: flex; gap: 10px; align-items: center; margin-top: 8px; }
.up { color: #145a26; } .down { color: #8a1616; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.kv dt { color: #666; } dl.kv dd { margin: 0; }
`;

export const CLIENT_JS = String.raw`(function () {
  'use strict';
  var main = document.getElementById('main');
  var Chart = window.Chart;
  var renders = 0;
  var charts = {};
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  var BLUE = '#3b6ea8', TEAL = '#2a9d8f', ORANGE = '#e07a3f', PURPLE = '#7a5ea8';
  var intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  var money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
  var moneyShort = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', notation: 'compact', maximumFractionDigits: 1 });

  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === 'text') el.textContent = String(v);
      else if (k === 'class') el.className = v;
      else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return el;
  }
  function dash(v) { return v === null || v === undefined || v === '' ? '—' : v; }
  function n(v, d) {
    if (v === null || v === undefined) return '—';
    return new Intl.NumberFormat('en-US', { minimumFractionDigits: d || 0, maximumFractionDigits: d || 0 }).format(v);
  }
  function usd(v) { return v === null || v === undefined ? '—' : money.format(v); }
  function pct(v) { return v === null || v === undefined ? '—' : n(v * 100, 1) + '%'; }
  function pval(v) { return v === null || v === undefined ? '—' : (v < 0.0001 ? v.toExponential(3) : v.toFixed(4)); }
  function ago(iso) {
    if (!iso) return '—';
    var s = Math.round((Date.now() - Date.parse(iso)) / 1000);
    if (s < 90) return s + ' s ago';
    if (s < 5400) return Math.round(s / 60) + ' min ago';
    if (s < 129600) return Math.round(s / 3600) + ' h ago';
    return Math.round(s / 86400) + ' days ago';
  }
  function ms(v) {
    if (v === null || v === undefined) return '—';
    return v < 1000 ? v + ' ms' : (v / 1000).toFixed(1) + ' s';
  }
  function pill(state) { return h('span', { class: 'pill ' + state, text: state }); }

  function table(cols, rows, opts) {
    var head = h('tr', null, cols.map(function (c) { return h('th', { class: c.num ? 'num' : null, text: c.h }); }));
    var body = rows.length === 0
      ? [h('tr', null, [h('td', { colspan: cols.length, class: 'muted', text: (opts && opts.empty) || 'none' })])]
      : rows.map(function (r) {
        return h('tr', null, cols.map(function (c) {
          var v = c.v(r);
          return h('td', { class: c.num ? 'num' : null }, [v instanceof Node ? v : String(dash(v))]);
        }));
      });
    var t = h('table', { id: opts && opts.id }, [h('thead', null, [head]), h('tbody', null, body)]);
    return h('div', { class: 'table-wrap' }, [t]);
  }

  function get(path) {
    return fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' } }).then(function (res) {
      var busy = res.headers.get('X-Movalytics-Busy');
      var banner = document.getElementById('busy');
      if (busy) {
        banner.hidden = false;
        banner.textContent = 'A run is writing the warehouse (' + busy + ')' +
          (res.headers.get('X-Movalytics-Stale') ? ': showing the last data read before it started.' : '.');
      } else banner.hidden = true;
      return res.json().then(function (body) {
        if (!res.ok) throw new Error((body && body.error) || ('HTTP ' + res.status));
        return body;
      });
    });
  }

  function setMain() {
    main.replaceChildren.apply(main, Array.prototype.filter.call(arguments, function (x) { return x; }));
  }
  function fail(err) {
    main.replaceChildren(h('p', { class: 'error', id: 'page-error', text: err.message || String(err) }));
    done();
  }
  function done() {
    renders++;
    document.documentElement.setAttribute('data-render', String(renders));
    document.documentElement.setAttribute('data-state', 'ready');
  }
  function busyState() { document.documentElement.setAttribute('data-state', 'loading'); }

  function chart(id, config) {
    if (charts[id]) charts[id].destroy();
    var canvas = document.getElementById(id);
    charts[id] = new Chart(canvas, config);
    return charts[id];
  }
  // axes: { value, category } — the titles of the value axis and of the axis of labels.
  function barConfig(labels, data, colour, label, horizontal, tick, axes) {
    var value = { ticks: { callback: tick }, title: { display: true, text: axes.value } };
    var category = { title: { display: true, text: axes.category } };
    if (horizontal) category.ticks = { autoSkip: false };
    return {
      type: 'bar',
      data: { labels: labels, datasets: [{ label: label, data: data, backgroundColor: colour }] },
      options: {
        indexAxis: horizontal ? 'y' : 'x',
        plugins: { legend: { display: false } },
        scales: horizontal ? { x: value, y: category } : { x: category, y: value },
      },
    };
  }
  function short(s, k) { return s.length > k ? s.slice(0, k - 1) + '…' : s; }

  function header() {
    get('/api/status').then(function (s) {
      var box = document.getElementById('status');
      var parts = [];
      if (s.latestRun) {
        parts.push(h('span', null, ['last run ', h('a', { href: '/runs/' + s.latestRun.runId, text: '#' + s.latestRun.runId }), ' ']));
        parts.push(pill(s.latestRun.status));
        parts.push(' ' + ago(s.latestRun.finishedAt || s.latestRun.startedAt) + ' · ');
      }
      parts.push(s.lastSuccess
        ? 'data from run #' + s.lastSuccess.runId + ', published ' + ago(s.lastSuccess.finishedAt)
        : 'no published run');
      box.replaceChildren.apply(box, parts.map(function (p) { return typeof p === 'string' ? document.createTextNode(p) : p; }));
      box.setAttribute('data-latest-status', s.latestRun ? s.latestRun.status : '');
      box.title = s.warehouse.kind + ': ' + s.warehouse.displayName;
    }).catch(function (err) {
      document.getElementById('status').textContent = err.message;
    });
  }

  // ---- dashboard ----
  var PARAMS = ['top', 'quantile', 'minVotes', 'alpha', 'cpiBase', 'cpiSplice'];
  function dashboard() {
    var q = new URLSearchParams(location.search);
    var group = q.get('q3') === 'quarter' ? 'quarter' : 'month';
    var form = h('form', { class: 'params', id: 'params' }, [
      h('label', null, ['Q1 top N', h('input', { type: 'number', name: 'top', min: 1, max: 10000, step: 1 })]),
      h('label', null, ['Q1 quantile (sets m)', h('input', { type: 'number', name: 'quantile', min: 0, max: 1, step: 0.01 })]),
      h('label', null, ['Q1 min votes m', h('input', { type: 'number', name: 'minVotes', min: 0, step: 1, placeholder: 'from quantile' })]),
      h('label', null, ['Q3 α', h('input', { type: 'number', name: 'alpha', min: 0.0001, max: 0.9999, step: 0.01 })]),
      h('label', null, ['CPI base month', h('input', { type: 'month', name: 'cpiBase' })]),
      h('label', null, ['CPI splice', h('select', { name: 'cpiSplice' }, [h('option', { value: '', text: 'none' })])]),
      h('label', null, ['Q3 by', h('select', { name: 'q3' }, [
        h('option', { value: 'month', text: 'month' }), h('option', { value: 'quarter', text: 'quarter' })])]),
    ]);
    form.addEventListener('submit', function (e) { e.preventDefault(); });
    main.replaceChildren(
      h('section', { class: 'card' }, [h('h2', { text: 'Parameters' }), form, h('p', { class: 'note', id: 'params-note' })]),
      h('div', { class: 'grid' }, [
        card('q1', 'Q1 · Highest-rated movies (weighted rating)'),
        card('q2', 'Q2 · Genres most popular with users (ratings)'),
        card('q3', 'Q3 · Release month and box office (mean revenue, 95% CI)'),
        card('q4', 'Q4 · Genres by all-time revenue (CPI-adjusted)'),
      ]),
    );
    form.elements.q3.value = group;
    get('/api/status').then(function (s) {
      s.cpiSeries.forEach(function (c) {
        if (c.series !== 'CUSR0000SS62031')
          form.elements.cpiSplice.appendChild(h('option', { value: c.series, text: c.series + ' (' + c.from + ' – ' + c.to + ')' }));
        else { form.elements.cpiBase.min = c.from; form.elements.cpiBase.max = c.to; }
      });
      PARAMS.forEach(function (p) { if (q.get(p) !== null) form.elements[p].value = q.get(p); });
      load(true);
    }).catch(fail);
    var timer = null;
    form.addEventListener('input', function (e) {
      if (e.target.name === 'q3') return;
      clearTimeout(timer);
      timer = setTimeout(function () { load(false); }, 250);
    });
    form.addEventListener('change', function (e) {
      if (e.target.name === 'q3') { drawQ3(lastAnswers); syncUrl(); done(); }
    });
    var lastAnswers = null;
    var seq = 0;
    function query() {
      var u = new URLSearchParams();
      PARAMS.forEach(function (p) { var v = form.elements[p].value; if (v !== '') u.set(p, v); });
      return u;
    }
    function syncUrl() {
      var u = query();
      if (form.elements.q3.value === 'quarter') u.set('q3', 'quarter');
      var s = u.toString();
      history.replaceState(null, '', location.pathname + (s ? '?' + s : ''));
    }
    function load(first) {
      var mine = ++seq;
      busyState();
      var u = query().toString();
      get('/api/answers' + (u ? '?' + u : '')).then(function (a) {
        if (mine !== seq) return;
        lastAnswers = a;
        // Fill the defaults the server used, so the form shows them.
        if (first) ['top', 'quantile', 'alpha'].forEach(function (p) { if (form.elements[p].value === '') form.elements[p].value = a.params[p]; });
        if (first && form.elements.cpiBase.value === '' && a.q4.cpiBase) form.elements.cpiBase.value = a.q4.cpiBase;
        document.getElementById('params-note').textContent = 'Parameters in effect: ' + JSON.stringify(a.params) +
          (a.run ? ' · answers from run #' + a.run.runId : '');
        document.getElementById('params-note').classList.remove('error');
        syncUrl();
        drawQ1(a); drawQ2(a); drawQ3(a); drawQ4(a);
        done();
      }).catch(function (err) {
        if (mine !== seq) return;
        var note = document.getElementById('params-note');
        note.textContent = err.message;
        note.classList.add('error');
        done();
      });
    }
  }
  function card(id, title) {
    return h('section', { class: 'card', id: id }, [
      h('h2', { text: title }),
      h('p', { class: 'note', id: id + '-summary' }),
      h('div', { class: 'chart' }, [h('canvas', { id: 'chart-' + id })]),
      h('div', { id: id + '-table' }),
    ]);
  }
  function drawQ1(a) {
    var q = a.q1;
    document.getElementById('q1-summary').textContent =
      'C = ' + n(q.meanRating, 3) + ' · m = ' + n(q.minVotes, 1) + ' (' + q.minVotesSource + ') · ' +
      n(q.eligibleMovies) + ' of ' + n(q.ratedMovies) + ' rated movies eligible · ' + n(q.countedRatings) + ' ratings';
    chart('chart-q1', barConfig(q.top.map(function (m) { return short(m.title || ('movie ' + m.movieId), 32); }),
      q.top.map(function (m) { return m.weightedRating; }), BLUE, 'weighted rating', true, undefined,
      { value: 'weighted rating (WR)', category: 'movie' }));
    document.getElementById('q1-table').replaceChildren(table([
      { h: '#', v: function (m) { return m.rank; }, num: true },
      { h: 'movie', v: function (m) { return h('a', { href: '/lineage/movie/' + m.movieId, class: 'movie', text: m.title || ('movie ' + m.movieId) }); } },
      { h: 'year', v: function (m) { return m.year; }, num: true },
      { h: 'votes', v: function (m) { return n(m.votes); }, num: true },
      { h: 'mean', v: function (m) { return n(m.meanRating, 3); }, num: true },
      { h: 'WR', v: function (m) { return n(m.weightedRating, 4); }, num: true },
    ], q.top, { id: 'q1-rows' }));
  }
  function drawQ2(a) {
    var q = a.q2;
    document.getElementById('q2-summary').textContent = n(q.countedRatings) + ' ratings by ' + n(q.countedUsers) + ' users';
    chart('chart-q2', barConfig(q.genres.map(function (g) { return g.genre; }), q.genres.map(function (g) { return g.ratings; }),
      TEAL, 'ratings', true, function (v) { return intFmt.format(v); }, { value: 'counted ratings', category: 'genre' }));
    document.getElementById('q2-table').replaceChildren(table([
      { h: '#', v: function (g) { return g.rank; }, num: true },
      { h: 'genre', v: function (g) { return g.genre; } },
      { h: 'ratings', v: function (g) { return drillLink('q2', { genre: g.genre }, n(g.ratings)); }, num: true },
      { h: 'users', v: function (g) { return n(g.users); }, num: true },
      { h: 'mean', v: function (g) { return n(g.meanRating, 3); }, num: true },
      { h: 'share', v: function (g) { return pct(g.share); }, num: true },
    ], q.genres, { id: 'q2-rows' }));
  }
  function drawQ3(a) {
    if (!a) return;
    var q = a.q3;
    var byQuarter = document.querySelector('select[name=q3]').value === 'quarter';
    var groups = byQuarter ? q.byQuarter : q.byMonth;
    var t = byQuarter ? q.quarterTest : q.monthTest;
    document.getElementById('q3-summary').textContent = q.verdict + ' (' + (byQuarter ? 'quarter' : 'month') +
      ': H = ' + n(t.h, 3) + ', p = ' + pval(t.pValue) + ', α = ' + q.alpha + ')';
    var cfg = barConfig(groups.map(function (g) { return g.label; }), groups.map(function (g) { return g.meanRevenue; }),
      ORANGE, 'mean revenue', false, function (v) { return moneyShort.format(v); },
      { value: 'mean revenue (nominal $)', category: byQuarter ? 'release quarter' : 'release month' });
    cfg.data.datasets[0].whiskers = groups.map(function (g) { return [g.ciLow, g.ciHigh]; });
    // The value axis spans the intervals too: sized by the bars alone it cut the whiskers off at the top (and, for
    // an interval below zero, at the bottom).
    var bounds = [0];
    groups.forEach(function (g) { if (g.ciLow !== null) bounds.push(g.ciLow, g.ciHigh); });
    cfg.options.scales.y.suggestedMin = Math.min.apply(null, bounds);
    cfg.options.scales.y.suggestedMax = Math.max.apply(null, bounds);
    cfg.plugins = [whiskers];
    chart('chart-q3', cfg);
    document.getElementById('q3-table').replaceChildren(table([
      { h: byQuarter ? 'quarter' : 'month', v: function (g) { return g.label; } },
      { h: 'movies', v: function (g) {
        var sel = {}; sel[byQuarter ? 'quarter' : 'month'] = g.group;
        return drillLink('q3', sel, n(g.movies)); }, num: true },
      { h: 'mean', v: function (g) { return usd(g.meanRevenue); }, num: true },
      { h: 'median', v: function (g) { return usd(g.medianRevenue); }, num: true },
      { h: '95% CI', v: function (g) { return g.ciLow === null ? '—' : usd(g.ciLow) + ' – ' + usd(g.ciHigh); }, num: true },
      { h: 'median (' + (q.cpiBase || 'CPI') + ' $)', v: function (g) { return usd(g.medianRealRevenue); }, num: true },
    ], groups, { id: 'q3-rows' }));
  }
  var whiskers = {
    id: 'whiskers',
    afterDatasetsDraw: function (c) {
      var ctx = c.ctx, y = c.scales.y;
      c.data.datasets.forEach(function (ds, di) {
        if (!ds.whiskers) return;
        c.getDatasetMeta(di).data.forEach(function (bar, i) {
          var w = ds.whiskers[i];
          if (!w || w[0] === null || w[1] === null) return;
          var lo = y.getPixelForValue(w[0]), hi = y.getPixelForValue(w[1]);
          ctx.save(); ctx.strokeStyle = '#222';
          ctx.beginPath(); ctx.rect(c.chartArea.left, c.chartArea.top, c.chartArea.width, c.chartArea.height); ctx.clip();
          ctx.beginPath();
          ctx.moveTo(bar.x, lo); ctx.lineTo(bar.x, hi);
          ctx.moveTo(bar.x - 4, lo); ctx.lineTo(bar.x + 4, lo);
          ctx.moveTo(bar.x - 4, hi); ctx.lineTo(bar.x + 4, hi);
          ctx.stroke(); ctx.restore();
        });
      });
    },
  };
  function drawQ4(a) {
    var q = a.q4;
    document.getElementById('q4-summary').textContent = 'In ' + (q.cpiBase || '—') + ' dollars · ' + n(q.includedMovies) +
      ' of ' + n(q.revenueMovies) + ' revenue movies inside CPI coverage' +
      (q.cpiCoverage ? ' (' + q.cpiCoverage.from + ' – ' + q.cpiCoverage.to + ')' : '') +
      (q.cpiSplice ? ', spliced with ' + q.cpiSplice.series + ' before ' + q.cpiSplice.primaryFrom : '');
    chart('chart-q4', barConfig(q.genres.map(function (g) { return g.genre; }), q.genres.map(function (g) { return g.realRevenue; }),
      PURPLE, 'real revenue', true, function (v) { return moneyShort.format(v); },
      { value: 'total revenue, ' + (q.cpiBase || '—') + ' dollars', category: 'genre' }));
    document.getElementById('q4-table').replaceChildren(table([
      { h: '#', v: function (g) { return g.rank; }, num: true },
      { h: 'genre', v: function (g) { return g.genre; } },
      { h: 'movies', v: function (g) { return n(g.movies); }, num: true },
      { h: 'real revenue', v: function (g) {
        var sel = { genre: g.genre };
        // The drill-down prices movies as the dashboard did: the base month the answer used, and its splice.
        if (q.cpiBase) sel.cpiBase = q.cpiBase;
        if (a.params.cpiSplice) sel.cpiSplice = a.params.cpiSplice;
        return drillLink('q4', sel, usd(g.realRevenue)); }, num: true },
      { h: 'mean real', v: function (g) { return usd(g.meanRealRevenue); }, num: true },
      { h: 'nominal', v: function (g) { return usd(g.nominalRevenue); }, num: true },
    ], q.genres, { id: 'q4-rows' }));
  }

  // ---- drill-downs (Q2–Q4): the movies behind a figure, each linked to its lineage ----
  function drillLink(question, sel, text) {
    return h('a', { href: '/lineage/' + question + '?' + new URLSearchParams(sel).toString(), class: 'drill', text: text });
  }
  function movieLink(m) {
    return h('a', { href: '/lineage/movie/' + m.movieId, class: 'movie', text: m.title || ('movie ' + m.movieId) });
  }
  var DRILL = {
    q2: { title: 'Q2 · ratings of genre ', figure: function (d) { return n(d.ratings) + ' ratings'; },
      sum: function (d) { return d.movies.reduce(function (a, m) { return a + m.ratings; }, 0) + d.rest.figure; }, fmt: n,
      cols: [{ h: 'ratings', v: function (m) { return n(m.ratings); }, num: true }] },
    q3: { title: 'Q3 · revenue movies released in ', figure: function (d) {
        return n(d.revenueMovies) + ' revenue movies, mean revenue ' + usd(d.meanRevenue); },
      sum: function (d) { return d.movies.reduce(function (a, m) { return a + m.revenue; }, 0) + d.rest.figure; }, fmt: usd,
      cols: [{ h: 'released', v: function (m) { return m.releaseDate; } },
        { h: 'revenue', v: function (m) { return usd(m.revenue); }, num: true }] },
    q4: { title: 'Q4 · CPI-adjusted revenue of genre ', figure: function (d) {
        return usd(d.realRevenue) + ' in ' + (d.cpiBase || '—') + ' dollars (' + usd(d.nominalRevenue) + ' nominal)'; },
      sum: function (d) { return d.movies.reduce(function (a, m) { return a + m.realRevenue; }, 0) + d.rest.figure; }, fmt: usd,
      cols: [{ h: 'nominal', v: function (m) { return usd(m.nominalRevenue); }, num: true },
        { h: 'CPI month', v: function (m) { return m.cpiMonth + (m.spliced ? ' (spliced)' : ''); } },
        { h: 'CPI', v: function (m) { return n(m.cpi, 3); }, num: true },
        { h: 'factor', v: function (m) { return n(m.factor, 4); }, num: true },
        { h: 'real', v: function (m) { return usd(m.realRevenue); }, num: true }] },
  };
  function drill(question) {
    var spec = DRILL[question];
    get('/api/lineage/' + question + location.search).then(function (d) {
      if (Array.isArray(d)) {
        main.replaceChildren(h('h1', { text: 'Drill-downs of ' + question.toUpperCase() }), h('section', { class: 'card' }, [table([
          { h: '', v: function (c) { var sel = {}; sel[c.param] = c.value; return drillLink(question, sel, c.label); } },
          { h: 'figure', v: function (c) { return spec.fmt(c.figure); }, num: true },
        ], d, { id: 'drill-choices' })]));
        return done();
      }
      main.replaceChildren(
        h('h1', { text: spec.title + d.label }),
        h('section', { class: 'card' }, [
          h('p', { class: 'note', id: 'drill-figure', text: 'The answer’s figure: ' + spec.figure(d) + ', from ' + n(d.movieCount) + ' movies.' }),
          h('p', { class: 'note', id: 'drill-sum', text: 'The rows below' + (d.rest.movies ? ' and ' + n(d.rest.movies) + ' more movies not listed' : '') +
            ' add up to ' + spec.fmt(spec.sum(d)) + '.' }),
          table([{ h: 'movie', v: movieLink }].concat(spec.cols), d.movies, { id: 'drill-rows', empty: 'no movie' }),
        ]),
      );
      done();
    }).catch(fail);
  }

  // ---- runs ----
  function runs() {
    get('/api/runs').then(function (r) {
      main.replaceChildren(h('h1', { text: 'Runs' }), h('section', { class: 'card' }, [table([
        { h: 'run', v: function (x) { return h('a', { href: '/runs/' + x.runId, text: '#' + x.runId }); } },
        { h: 'status', v: function (x) { return pill(x.status); } },
        { h: 'trigger', v: function (x) { return x.triggeredBy; } },
        { h: 'started (UTC)', v: function (x) { return x.startedAt; } },
        { h: 'duration', v: function (x) { return ms(x.ms); }, num: true },
        { h: 'message', v: function (x) { return x.message; } },
      ], r.runs, { id: 'runs', empty: 'no runs yet' })]));
      done();
    }).catch(fail);
  }
  var STATE_COLOURS = { success: '#3d9a50', failed: '#c0392b', upstream_failed: '#e67e22', skipped: '#9aa4ae',
    not_run: '#d5dbe1', running: '#e6b422', queued: '#c7d3e0', interrupted: '#8e6bbf' };
  var SVGNS = 'http://www.w3.org/2000/svg';
  function s(tag, attrs, children) {
    var el = document.createElementNS(SVGNS, tag);
    Object.keys(attrs || {}).forEach(function (k) { if (k === 'text') el.textContent = attrs[k]; else el.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { if (c) el.appendChild(c); });
    return el;
  }
  function stateOf(d, task) {
    var t = d.tasks.filter(function (x) { return x.task === task; })[0];
    return t ? t.state : 'not_run';
  }
  // A mapped task's instances (load.ratings[0], [1], …) as one: its summary from the API, by task name.
  function mappedOf(d, id) {
    var m = /^(.+)\[\d+\]$/.exec(id);
    return m ? (d.mapped || []).filter(function (x) { return x.task === m[1]; })[0] || null : null;
  }
  function mappedLabel(m) { return m.task + ' [' + m.done + '/' + m.total + ']'; }
  // The graph with each mapped task drawn as one node ('load.ratings [12/16]') instead of one per shard.
  function compactGraph(d) {
    var out = [], seen = {};
    var name = function (id) { var m = mappedOf(d, id); return m ? m.task : id; };
    d.graph.forEach(function (t) {
      var id = name(t.id);
      var deps = t.deps.map(name).filter(function (x, i, a) { return a.indexOf(x) === i; });
      if (seen[id]) return;
      seen[id] = true;
      out.push({ id: id, deps: deps, description: t.description, mapped: mappedOf(d, t.id) });
    });
    return out;
  }
  // The DAG: columns by longest dependency chain, nodes coloured by the task's latest state.
  function drawDag(d) {
    var graph = compactGraph(d);
    var level = {};
    graph.forEach(function (t) { level[t.id] = t.deps.reduce(function (m, dep) { return Math.max(m, level[dep] + 1); }, 0); });
    var cols = [];
    graph.forEach(function (t) { (cols[level[t.id]] = cols[level[t.id]] || []).push(t.id); });
    var W = 170, H = 44, GX = 60, GY = 18, pos = {};
    cols.forEach(function (ids, c) { ids.forEach(function (id, r) { pos[id] = { x: 10 + c * (W + GX), y: 10 + r * (H + GY) }; }); });
    var width = 20 + cols.length * (W + GX) - GX, height = 20 + Math.max.apply(null, cols.map(function (c) { return c.length; })) * (H + GY) - GY;
    var svg = s('svg', { width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, id: 'dag', role: 'img' });
    svg.appendChild(s('defs', {}, [s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto' },
      [s('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#667' })])]));
    graph.forEach(function (t) {
      t.deps.forEach(function (dep) {
        var a = pos[dep], b = pos[t.id];
        var x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
        svg.appendChild(s('path', { d: 'M' + x1 + ',' + y1 + ' C' + (x1 + GX / 2) + ',' + y1 + ' ' + (x2 - GX / 2) + ',' + y2 + ' ' + x2 + ',' + y2,
          fill: 'none', stroke: '#667', 'stroke-width': 1.5, 'marker-end': 'url(#arrow)' }));
      });
    });
    graph.forEach(function (t) {
      var p = pos[t.id], st = t.mapped ? t.mapped.state : stateOf(d, t.id);
      var label = t.mapped ? mappedLabel(t.mapped) : t.id;
      var g = s('g', { class: 'dag-node', 'data-task': t.id, 'data-state': st }, [
        s('title', { text: label + ': ' + st + ' — ' + t.description }),
        s('rect', { x: p.x, y: p.y, width: W, height: H, rx: 6, fill: STATE_COLOURS[st] || '#ccc', stroke: '#334', 'stroke-width': 1 }),
        s('text', { x: p.x + W / 2, y: p.y + 18, 'text-anchor': 'middle', fill: st === 'not_run' || st === 'queued' ? '#223' : '#fff', 'font-weight': 600, text: label }),
        s('text', { x: p.x + W / 2, y: p.y + 34, 'text-anchor': 'middle', fill: st === 'not_run' || st === 'queued' ? '#223' : '#fff', text: st.replace('_', ' ') }),
      ]);
      svg.appendChild(g);
    });
    return h('div', { class: 'dag' }, [svg]);
  }
  // The timeline: one bar per attempt from its start to its end, on the run's time axis.
  function drawTimeline(d) {
    var rows = d.attempts.filter(function (a) { return a.startedAt; });
    if (rows.length === 0) return h('p', { class: 'muted', text: 'no task attempts recorded' });
    var t0 = Math.min.apply(null, rows.map(function (a) { return Date.parse(a.startedAt); }));
    var t1 = Math.max.apply(null, rows.map(function (a) { return a.finishedAt ? Date.parse(a.finishedAt) : Date.now(); }));
    var span = Math.max(1, t1 - t0), L = 190, W = 760, RH = 22;
    var svg = s('svg', { width: L + W + 90, height: rows.length * RH + 28, id: 'timeline' });
    rows.forEach(function (a, i) {
      var x = L + (Date.parse(a.startedAt) - t0) / span * W;
      var end = a.finishedAt ? Date.parse(a.finishedAt) : Date.now();
      var w = Math.max(2, (end - Date.parse(a.startedAt)) / span * W);
      svg.appendChild(s('text', { x: 4, y: i * RH + 15, text: a.task + (a.attempt > 1 ? ' #' + a.attempt : '') }));
      svg.appendChild(s('rect', { x: x, y: i * RH + 4, width: w, height: RH - 8, rx: 3, fill: STATE_COLOURS[a.state] || '#ccc' },
        [s('title', { text: a.task + ' #' + a.attempt + ' ' + a.state + ' ' + ms(a.ms) })]));
      svg.appendChild(s('text', { x: x + w + 4, y: i * RH + 15, fill: '#555', text: ms(a.ms) }));
    });
    svg.appendChild(s('text', { x: L, y: rows.length * RH + 20, fill: '#555', text: '0' }));
    svg.appendChild(s('text', { x: L + W, y: rows.length * RH + 20, fill: '#555', 'text-anchor': 'end', text: ms(span) }));
    return h('div', { class: 'dag' }, [svg]);
  }
  function rowsCell(t) {
    return t.rowsIn === null && t.rowsOut === null ? '' : n(t.rowsIn) + ' → ' + n(t.rowsOut);
  }
  // The task rows with each mapped task as one row: 'load.ratings [12/16]', its slowest shard's time and name.
  function compactTasks(d) {
    var out = [], seen = {};
    d.tasks.forEach(function (t) {
      var m = mappedOf(d, t.task);
      if (!m) return out.push(t);
      if (seen[m.task]) return;
      seen[m.task] = true;
      var mine = d.tasks.filter(function (x) { return mappedOf(d, x.task) === m; });
      var sum = function (k) { return mine.reduce(function (a, x) { return x[k] === null ? a : (a || 0) + x[k]; }, null); };
      out.push({ task: mappedLabel(m), state: m.state, attempts: sum('attempts'), ms: m.slowest ? m.slowest.ms : null,
        rowsIn: sum('rowsIn'), rowsOut: sum('rowsOut'), bytes: sum('bytes'), worker: null, errorMessage: null,
        detail: m.slowest ? 'slowest: ' + m.slowest.task : null });
    });
    return out;
  }
  // Every attempt of every instance of a mapped task, folded away under its one row.
  function shardDetails(d, m) {
    var rows = d.attempts.filter(function (a) { return mappedOf(d, a.task) === m; });
    return h('details', { class: 'shards', id: 'shards-' + m.task }, [
      h('summary', { text: m.task + ': every shard’s attempts (' + rows.length + ')' }),
      table([
        { h: 'task', v: function (a) { return a.task; } },
        { h: 'attempt', v: function (a) { return a.attempt; }, num: true },
        { h: 'state', v: function (a) { return pill(a.state); } },
        { h: 'took', v: function (a) { return ms(a.ms); }, num: true },
        { h: 'rows in → out', v: rowsCell, num: true },
        { h: 'worker', v: function (a) { return a.worker; } },
        { h: 'error', v: function (a) { return a.errorMessage ? (a.errorClass || 'Error') + ': ' + a.errorMessage : ''; } },
      ], rows, {}),
    ]);
  }
  function runPage(id) {
    Promise.all([get('/api/runs/' + encodeURIComponent(id)), get('/api/runs/' + encodeURIComponent(id) + '/logs')]).then(function (res) {
      var d = res[0], logs = res[1].lines;
      var r = d.run;
      var logBox = h('pre', { class: 'logs', id: 'logs' });
      var taskSelect = h('select', { name: 'task', id: 'log-task' }, [h('option', { value: '', text: 'all tasks' })].concat(
        d.graph.map(function (t) { return h('option', { value: t.id, text: t.id }); })));
      function showLogs() {
        var want = taskSelect.value;
        var lines = logs.filter(function (l) { return !want || l.task === want; });
        logBox.textContent = lines.length === 0 ? 'no log lines' : lines.map(function (l) {
          return l.at.slice(11, 23) + '  ' + (l.task + '#' + l.attempt + '                ').slice(0, 18) + ' ' + l.line;
        }).join('\n');
      }
      taskSelect.addEventListener('change', showLogs);
      showLogs();
      var failed = d.tasks.filter(function (t) { return t.errorMessage; });
      setMain(
        h('h1', null, ['Run #' + r.runId + ' ', pill(r.status)]),
        h('section', { class: 'card' }, [h('dl', { class: 'kv' }, [
          h('dt', { text: 'started' }), h('dd', { text: dash(r.startedAt) }),
          h('dt', { text: 'finished' }), h('dd', { text: dash(r.finishedAt) }),
          h('dt', { text: 'duration' }), h('dd', { text: ms(r.ms) }),
          h('dt', { text: 'trigger' }), h('dd', { text: dash(r.triggeredBy) + (r.externalId ? ' (' + r.externalId + ')' : '') }),
          h('dt', { text: 'input' }), h('dd', { text: r.input }),
          h('dt', { text: 'parameters' }), h('dd', { text: r.parameters ? JSON.stringify(r.parameters) : '—' }),
          h('dt', { text: 'message' }), h('dd', { id: 'run-message', text: dash(r.message) }),
          h('dt', { text: 'quarantined' }), h('dd', null, [h('a', { href: '/quarantine?run=' + r.runId, text: n(d.quarantined) + ' records' })]),
        ])]),
        failed.length ? h('section', { class: 'card', id: 'run-errors' }, [h('h2', { text: 'Errors' })].concat(failed.map(function (t) {
          return h('p', { class: 'error', text: t.task + ' (attempt ' + t.attempt + '): ' + (t.errorClass || 'Error') + ': ' + t.errorMessage });
        }))) : null,
        h('section', { class: 'card' }, [h('h2', { text: 'Tasks' }), d.graph.length ? drawDag(d) : null, table([
          { h: 'task', v: function (t) { return t.task; } },
          { h: 'state', v: function (t) { return pill(t.state); } },
          { h: 'tries', v: function (t) { return t.attempts; }, num: true },
          { h: 'took', v: function (t) { return ms(t.ms); }, num: true },
          { h: 'rows in → out', v: rowsCell, num: true },
          { h: 'bytes', v: function (t) { return n(t.bytes); }, num: true },
          { h: 'worker', v: function (t) { return t.worker; } },
          { h: 'detail', v: function (t) { return t.errorMessage ? (t.errorClass || 'Error') + ': ' + t.errorMessage : t.detail; } },
        ], compactTasks(d), { id: 'tasks', empty: 'no task history: this run predates it' })].concat(
          (d.mapped || []).map(function (m) { return shardDetails(d, m); }))),
        h('section', { class: 'card' }, [h('h2', { text: 'Timeline (every attempt)' }), drawTimeline(d), table([
          { h: 'task', v: function (a) { return a.task; } },
          { h: 'attempt', v: function (a) { return a.attempt; }, num: true },
          { h: 'state', v: function (a) { return pill(a.state); } },
          { h: 'started', v: function (a) { return a.startedAt; } },
          { h: 'took', v: function (a) { return ms(a.ms); }, num: true },
          { h: 'rows in → out', v: rowsCell, num: true },
          { h: 'error', v: function (a) { return a.errorMessage ? (a.errorClass || 'Error') + ': ' + a.errorMessage : ''; } },
        ], d.attempts, { id: 'attempts' })]),
        h('section', { class: 'card' }, [h('h2', { text: 'Log lines' }), h('form', { class: 'filters' }, [h('label', null, ['task', taskSelect])]), logBox]),
        h('section', { class: 'card' }, [h('h2', { text: 'Input files' }), table([
          { h: 'file', v: function (f) { return f.fileName; } },
          { h: 'role', v: function (f) { return f.role; } },
          { h: 'action', v: function (f) { return f.action; } },
          { h: 'bytes', v: function (f) { return n(f.bytes); }, num: true },
          { h: 'lines', v: function (f) { return n(f.dataLines); }, num: true },
          { h: 'sha256', v: function (f) { return f.sha256 ? f.sha256.slice(0, 16) + '…' : '—'; } },
          { h: 'note', v: function (f) { return f.note; } },
        ], d.files)]),
        h('section', { class: 'card' }, [h('h2', { text: 'Reconciliation (read = loaded + quarantined + duplicates + merged)' }), table([
          { h: 'file', v: function (x) { return x.fileName; } },
          { h: 'read', v: function (x) { return n(x.recordsRead); }, num: true },
          { h: 'loaded', v: function (x) { return n(x.rowsLoaded); }, num: true },
          { h: 'quarantined', v: function (x) { return n(x.rowsQuarantined); }, num: true },
          { h: 'duplicates', v: function (x) { return n(x.duplicatesCollapsed); }, num: true },
          { h: 'merged', v: function (x) { return n(x.recordsMerged); }, num: true },
        ], d.reconciliation)]),
        h('section', { class: 'card' }, [h('h2', { text: 'Quality checks' }), checksTable(d.checks)]),
      );
      done();
    }).catch(fail);
  }
  function checksTable(rows) {
    return table([
      { h: 'check', v: function (c) { return c.name; } },
      { h: 'status', v: function (c) { return pill(c.status); } },
      { h: 'severity', v: function (c) { return c.severity; } },
      { h: 'observed', v: function (c) { return c.observed; } },
      { h: 'expected', v: function (c) { return c.expected; } },
      { h: 'from run', v: function (c) { return c.carriedFromRun === null ? '' : '#' + c.carriedFromRun; } },
    ], rows, { id: 'checks' });
  }
  function checks() {
    var run = new URLSearchParams(location.search).get('run');
    get('/api/checks' + (run ? '?run=' + encodeURIComponent(run) : '')).then(function (d) {
      var failed = d.checks.filter(function (c) { return !c.passed; }).length;
      main.replaceChildren(h('h1', { text: 'Quality checks' + (d.runId === null ? '' : ' of run #' + d.runId) }),
        h('section', { class: 'card' }, [
          h('p', { class: 'note', text: d.checks.length + ' checks, ' + failed + ' not passed' }),
          checksTable(d.checks)]));
      done();
    }).catch(fail);
  }

  // ---- quarantine ----
  function quarantine() {
    var q = new URLSearchParams(location.search);
    get('/api/quarantine?' + q.toString()).then(function (d) {
      var f = d.filter;
      var form = h('form', { class: 'filters', id: 'filters', method: 'get', action: '/quarantine' }, [
        h('label', null, ['file', h('select', { name: 'file' }, [h('option', { value: '', text: 'all files' })].concat(
          d.files.map(function (x) { return h('option', { value: x.file, text: x.file + ' (' + n(x.count) + ')', selected: x.file === f.file }); })))]),
        h('label', null, ['run', h('select', { name: 'run' }, [h('option', { value: '', text: 'all runs' })].concat(
          d.runs.map(function (x) { return h('option', { value: x.runId, text: '#' + x.runId + ' (' + n(x.count) + ')', selected: x.runId === f.runId }); })))]),
        h('label', null, ['reason contains', h('input', { name: 'reason', value: f.reason || '' })]),
        h('button', { type: 'submit', text: 'Filter' }),
      ]);
      var pages = Math.max(1, Math.ceil(d.total / f.pageSize));
      function pageLink(p, label) {
        var u = new URLSearchParams(location.search);
        u.set('page', String(p));
        return h('a', { href: '/quarantine?' + u.toString(), text: label, class: 'page-link' });
      }
      main.replaceChildren(h('h1', { text: 'Quarantined records' }), h('section', { class: 'card' }, [
        form,
        h('p', { class: 'note', id: 'quarantine-total', text: n(d.total) + ' records match · page ' + f.page + ' of ' + pages }),
        table([
          { h: 'run', v: function (r) { return '#' + r.runId; } },
          { h: 'file', v: function (r) { return r.file; } },
          { h: 'line', v: function (r) { return r.lineNumber; }, num: true },
          { h: 'record', v: function (r) { return r.recordNumber; }, num: true },
          { h: 'reason', v: function (r) { return r.reason; } },
          { h: 'raw text', v: function (r) { return h('pre', { class: 'raw', text: r.raw === null ? '' : r.raw }); } },
        ], d.rows, { id: 'quarantine', empty: 'no quarantined records match' }),
        h('div', { class: 'pager' }, [
          f.page > 1 ? pageLink(f.page - 1, '← previous') : null,
          f.page < pages ? pageLink(f.page + 1, 'next →') : null,
        ]),
      ]));
      done();
    }).catch(fail);
  }

  // ---- diff ----
  function moveCell(m) {
    if (m.rankA === null) return h('span', { class: 'up', text: 'new' });
    if (m.rankB === null) return h('span', { class: 'down', text: 'left' });
    if (m.move === 0) return '=';
    return h('span', { class: m.move > 0 ? 'up' : 'down', text: (m.move > 0 ? '▲' : '▼') + Math.abs(m.move) });
  }
  function arrow(a, b, f) {
    f = f || function (x) { return dash(x); };
    return a === b ? String(f(b)) : f(a) + ' → ' + f(b);
  }
  function movesTable(rows, valueHeader, f, id) {
    return table([
      { h: '', v: function (m) { return m.label; } },
      { h: 'rank', v: function (m) { return arrow(m.rankA, m.rankB); } },
      { h: 'move', v: moveCell },
      { h: valueHeader, v: function (m) { return arrow(m.valueA, m.valueB, f); }, num: true },
    ], rows, { id: id });
  }
  function diff() {
    var q = new URLSearchParams(location.search);
    Promise.all([get('/api/runs'), get('/api/diff?' + q.toString())]).then(function (res) {
      var runsList = res[0].runs, d = res[1];
      function runSelect(name, value) {
        return h('select', { name: name }, runsList.map(function (r) {
          return h('option', { value: r.runId, text: '#' + r.runId + ' ' + r.status + ' ' + dash(r.finishedAt), selected: r.runId === value });
        }));
      }
      var form = h('form', { class: 'filters', id: 'diff-form', method: 'get', action: '/diff' }, [
        h('label', null, ['run A', runSelect('a', d.a.runId)]),
        h('label', null, ['run B', runSelect('b', d.b.runId)]),
        h('button', { type: 'submit', text: 'Compare' }),
      ]);
      var parts = [h('h1', { text: 'What changed: run #' + d.a.runId + ' → run #' + d.b.runId }),
        h('section', { class: 'card' }, [form]),
        h('section', { class: 'card' }, [h('h2', { text: 'Input files' }), table([
          { h: 'file', v: function (f) { return f.fileName; } },
          { h: 'change', v: function (f) { return f.change; } },
          { h: 'bytes', v: function (f) { return arrow(f.a && f.a.bytes, f.b && f.b.bytes, n); }, num: true },
          { h: 'rows', v: function (f) { return arrow(f.a && f.a.rows, f.b && f.b.rows, n); }, num: true },
          { h: 'sha256', v: function (f) { return arrow(f.a && f.a.sha256 && f.a.sha256.slice(0, 12), f.b && f.b.sha256 && f.b.sha256.slice(0, 12)); } },
        ], d.files, { id: 'diff-files' })])];
      if (d.tables.length) parts.push(h('section', { class: 'card' }, [h('h2', { text: 'Tables (rows after the publish)' }),
        d.rowChangesNote ? h('p', { class: 'note', id: 'diff-rows-note', text: d.rowChangesNote }) : null,
        table([
        { h: 'table', v: function (t) { return t.table; } },
        { h: 'run A', v: function (t) { return n(t.a); }, num: true },
        { h: 'run B', v: function (t) { return n(t.b); }, num: true },
        { h: 'change', v: function (t) { return t.delta === null ? '—' : (t.delta > 0 ? '+' : '') + n(t.delta); }, num: true },
        { h: 'added', v: function (t) { return n(t.added); }, num: true },
        { h: 'updated', v: function (t) { return n(t.updated); }, num: true },
        { h: 'deleted', v: function (t) { return n(t.deleted); }, num: true },
      ], d.tables, { id: 'diff-tables' })]));
      var a = d.answers;
      if (!a) parts.push(h('section', { class: 'card' }, [h('p', { class: 'note', id: 'diff-note', text: d.answersNote })]));
      else {
        if (!a.paramsEqual) parts.push(h('p', { class: 'note', text: 'The runs answered with different parameters.' }));
        parts.push(h('div', { class: 'grid' }, [
          h('section', { class: 'card' }, [h('h2', { text: 'Q1 top movies' }), movesTable(a.q1, 'weighted rating', function (v) { return n(v, 4); }, 'diff-q1')]),
          h('section', { class: 'card' }, [h('h2', { text: 'Q2 genres' }), movesTable(a.q2, 'ratings', n, 'diff-q2')]),
          h('section', { class: 'card' }, [h('h2', { text: 'Q3 verdict' }),
            h('p', { class: 'note', id: 'diff-q3-verdict', text: a.q3.verdictChanged ? a.q3.verdictA + ' → ' + a.q3.verdictB : 'unchanged: ' + a.q3.verdictB }),
            table([
              { h: 'test', v: function (t) { return t[0]; } },
              { h: 'H', v: function (t) { return arrow(t[1].hA, t[1].hB, function (v) { return n(v, 4); }); }, num: true },
              { h: 'p-value', v: function (t) { return arrow(t[1].pA, t[1].pB, pval); }, num: true },
            ], [['month', a.q3.month], ['quarter', a.q3.quarter]])]),
          h('section', { class: 'card' }, [h('h2', { text: 'Q4 genres (real revenue)' }), movesTable(a.q4, 'real revenue', usd, 'diff-q4')]),
        ]));
        parts.push(h('section', { class: 'card' }, [h('h2', { text: 'Every changed figure (' + a.figures.length + ')' }), table([
          { h: 'figure', v: function (f) { return f.path; } },
          { h: 'run A', v: function (f) { return f.a === null ? '—' : String(f.a); }, num: true },
          { h: 'run B', v: function (f) { return f.b === null ? '—' : String(f.b); }, num: true },
          { h: 'change', v: function (f) { return f.delta === null ? '' : (f.delta > 0 ? '+' : '') + f.delta; }, num: true },
        ], a.figures, { id: 'diff-figures', empty: 'no figure changed' })]));
      }
      main.replaceChildren.apply(main, parts);
      done();
    }).catch(fail);
  }

  // ---- lineage ----
  function lineage(id) {
    get('/api/lineage/movie/' + encodeURIComponent(id)).then(function (d) {
      var m = d.movie;
      var meta = d.metadata;
      main.replaceChildren(
        h('h1', { text: (m.title || 'movie ' + d.movieId) + ' — where its numbers come from' }),
        h('section', { class: 'card' }, [h('h2', { text: 'Model row movies.movie' }), h('dl', { class: 'kv' },
          Object.keys(m).reduce(function (acc, k) { return acc.concat([h('dt', { text: k }), h('dd', { text: String(dash(m[k])) })]); }, []).concat([
            h('dt', { text: 'genres' }), h('dd', { text: d.genres.map(function (g) { return g.name; }).join(', ') || '—' })]))]),
        h('section', { class: 'card', id: 'metadata-record' }, [h('h2', { text: 'movies_metadata.csv record' }),
          meta === null ? h('p', { class: 'muted', text: 'no movies_metadata.csv load recorded' }) : h('div', null, [
            h('p', { class: 'note', id: 'metadata-where', text: meta.fileName + (meta.line === null ? '' : ' line ' + meta.line) +
              ' · sha256 ' + meta.sha256.slice(0, 16) + '… · loaded by run #' + meta.loadedRunId }),
            meta.note ? h('p', { class: 'note', text: meta.note }) : h('pre', { class: 'raw', id: 'metadata-raw', text: meta.raw }),
          ])]),
        h('section', { class: 'card' }, [h('h2', { text: 'links.csv rows and ratings' }),
          h('p', { class: 'note', text: n(d.mappedRatings) + ' ratings reach this movie through its links (Q1 v).' }),
          table([
            { h: 'MovieLens id', v: function (l) { return l.movielensId; }, num: true },
            { h: 'IMDb id', v: function (l) { return l.imdbId; } },
            { h: 'ratings', v: function (l) { return n(l.ratings); }, num: true },
          ], d.links, { id: 'links' }),
          h('h2', { text: 'Ratings by file' }),
          d.ratingsByFile === null ? h('p', { class: 'note', id: 'ratings-by-file-note', text: 'This warehouse does not record which file each rating came from (built by an older version, or loaded by plan).' }) :
          table([
            { h: 'file', v: function (f) { return f.fileName; } },
            { h: 'sha256', v: function (f) { return f.sha256 ? f.sha256.slice(0, 12) + '…' : '—'; } },
            { h: 'run', v: function (f) { return '#' + f.runId; } },
            { h: 'ratings', v: function (f) { return n(f.ratings); }, num: true },
          ], d.ratingsByFile, { id: 'ratings-by-file', empty: 'no rating reaches this movie' }),
        ]),
      );
      done();
    }).catch(fail);
  }

  var path = location.pathname;
  var nav = path === '/' ? 'dashboard' : path.split('/')[1];
  var active = document.querySelector('header nav a[data-nav="' + (nav === 'lineage' ? 'dashboard' : nav) + '"]');
  if (active) active.classList.add('active');
  header();
  var m;
  if (path === '/') dashboard();
  else if (path === '/runs') runs();
  else if ((m = /^\/runs\/(\d+)$/.exec(path))) runPage(m[1]);
  else if (path === '/checks') checks();
  else if (path === '/quarantine') quarantine();
  else if (path === '/diff') diff();
  else if ((m = /^\/lineage\/movie\/(\d+)$/.exec(path))) lineage(m[1]);
  else if ((m = /^\/lineage\/(q[234])$/.exec(path))) drill(m[1]);
  else fail(new Error('no such page'));
})();
`;
