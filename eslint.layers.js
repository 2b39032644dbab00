// The layers of src/ (docs/architecture.md), held by ESLint: each folder lists the folders it may import from; an
// import of any other folder of src/ is an error. Imports point down: apps → pipeline → stages → engines → base.
// test/lint-layers.test.ts seeds a violation and expects this rule to catch it.

/** Folder (under src/) → the src/ folders it may import. A folder may always import its own files. */
export const LAYERS = {
  // base
  core: [],
  model: ['core'],
  storage: ['core'],
  sources: ['core', 'model'],
  dag: ['core'],
  generate: ['core'],
  // engines: the seam (interface, dialect, opener) and its engines, private to it; it knows no model (the generic
  // table specs are core's)
  warehouse: ['core', 'storage'],
  config: ['core', 'warehouse'],
  // stages
  stages: ['core', 'model', 'storage', 'sources', 'warehouse'],
  // pipeline
  pipeline: ['core', 'config', 'dag', 'model', 'storage', 'sources', 'stages', 'warehouse'],
  // apps and their renderers (report and diff are read by serve and the CLI; nothing imports cli or serve)
  report: ['core', 'config', 'model', 'stages', 'warehouse'],
  diff: ['core', 'config', 'model', 'stages', 'warehouse'],
  serve: ['core', 'config', 'dag', 'model', 'storage', 'stages', 'warehouse', 'pipeline', 'report', 'diff'],
  cli: [
    'core',
    'config',
    'dag',
    'model',
    'storage',
    'sources',
    'stages',
    'warehouse',
    'pipeline',
    'generate',
    'report',
    'diff',
    'serve',
  ],
};

/** The engine folders: only src/warehouse itself may import them. */
const ENGINES = ['duckdb', 'postgres', 'redshift'];

const ALL = Object.keys(LAYERS);

/** The forbidden import patterns for a file in `folder` (gitignore-style, matched against the import text). */
function forbidden(folder) {
  const others = ALL.filter((f) => f !== folder && !LAYERS[folder].includes(f));
  const patterns = others.map((f) => ({
    group: [`**/${f}/**`, `**/${f}`],
    message: `src/${folder} may not import src/${f} (layers: eslint.layers.js, docs/architecture.md)`,
  }));
  if (folder !== 'warehouse')
    patterns.push({
      group: ENGINES.map((e) => `**/warehouse/${e}/**`),
      message: `an engine folder is private to src/warehouse: use the Warehouse interface and openWarehouse`,
    });
  return patterns;
}

/** One flat-config block per folder. */
export const layerConfigs = ALL.map((folder) => ({
  files: [`src/${folder}/**/*.ts`],
  ignores: ['src/**/*.test.ts'],
  rules: { 'no-restricted-imports': ['error', { patterns: forbidden(folder) }] },
}));
