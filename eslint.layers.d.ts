// Types of eslint.layers.js, for the test that lints seeded violations with it.
import type { Linter } from 'eslint';

export const LAYERS: Readonly<Record<string, readonly string[]>>;
export const layerConfigs: Linter.Config[];
