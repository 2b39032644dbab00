// The pages of `serve`: one HTML shell for every page route (the page script reads the path and draws the page from
// the JSON API), and the static files it loads — the page script and style (kept as text here) and Chart.js's UMD
// bundle read from the installed package (no CDN: the dashboard works offline). Only these names are served.
import { chartJsBundle } from '../report/html.js';
import { CLIENT_CSS, CLIENT_JS } from './client.js';

/** The paths that answer with the page shell. */
export const PAGE_ROUTES: readonly string[] = [
  '/',
  '/runs',
  '/runs/:id',
  '/checks',
  '/quarantine',
  '/diff',
  '/lineage/movie/:id',
  '/lineage/q2',
  '/lineage/q3',
  '/lineage/q4',
];

export interface StaticFile {
  type: string;
  body: () => string;
}

/** The static files by name: a fixed list, so no path from a request ever reaches the file system. */
export const STATIC_FILES: ReadonlyMap<string, StaticFile> = new Map([
  ['chart.umd.min.js', { type: 'text/javascript; charset=utf-8', body: chartJsBundle }],
  ['app.js', { type: 'text/javascript; charset=utf-8', body: () => CLIENT_JS }],
  ['app.css', { type: 'text/css; charset=utf-8', body: () => CLIENT_CSS }],
]);

/** The shell: header with navigation and the run status, a main element the script fills. No inline script. */
export function pageHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Movalytics</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/app.css">
</head>
<body>
<header>
  <a class="brand" href="/">Movalytics</a>
  <nav>
    <a href="/" data-nav="dashboard">Dashboard</a>
    <a href="/runs" data-nav="runs">Runs</a>
    <a href="/checks" data-nav="checks">Checks</a>
    <a href="/quarantine" data-nav="quarantine">Quarantine</a>
    <a href="/diff" data-nav="diff">What changed</a>
  </nav>
  <div id="status" class="status">…</div>
</header>
<div id="busy" class="busy" hidden></div>
<main id="main"><p class="muted">Loading…</p></main>
<script src="/static/chart.umd.min.js"></script>
<script src="/static/app.js"></script>
</body>
</html>
`;
}
