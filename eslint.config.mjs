import { join } from 'node:path';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';

/**
 * The dependency map of ARCHITECTURE.md: one element per folder of src/ (and app.ts), and for
 * each the elements it may import. Everything else is an error.
 */
const LAYERS = {
  core: [],
  config: ['core'],
  telemetry: ['core'],
  lease: ['core'],
  ratelimit: ['core'],
  cache: ['core'],
  registry: ['core', 'lease', 'ratelimit'],
  discovery: ['core', 'lease', 'ratelimit', 'registry', 'cache'],
  store: ['core'],
  // tokens and access checks over the management store
  auth: ['core', 'store'],
  management: ['core', 'registry', 'ratelimit', 'discovery', 'store'],
  websocket: ['core', 'registry', 'telemetry'],
  cluster: ['core', 'telemetry'],
  // replication also serves the registry copy (services.json) as discovery answers: cache, limits, region checks
  replication: ['core', 'lease', 'ratelimit', 'cache', 'registry', 'discovery', 'cluster', 'telemetry'],
  web: ['core', 'config', 'telemetry', 'lease', 'ratelimit', 'cache', 'registry', 'discovery', 'store', 'management', 'websocket', 'cluster', 'replication', 'auth'],
  client: ['core'],
  // the composition root: app.ts and the parts it assembles a node from (src/node/)
  node: ['core', 'config', 'telemetry', 'lease', 'ratelimit', 'cache', 'registry', 'discovery', 'store', 'management', 'websocket', 'cluster', 'replication', 'web', 'auth'],
  app: ['core', 'config', 'telemetry', 'lease', 'ratelimit', 'cache', 'registry', 'discovery', 'store', 'management', 'websocket', 'cluster', 'replication', 'web', 'node', 'auth'],
};
// the CLI runs the server (through app.ts) and the client commands: it may know everything
LAYERS.cli = Object.keys(LAYERS).filter((t) => t !== 'node');

const dependencyRule = [
  'error',
  {
    default: 'disallow',
    policies: Object.entries(LAYERS).map(([type, allowed]) => ({
      from: { element: { type } },
      allow: { to: { element: { types: { anyOf: allowed } } } },
    })),
  },
];

export default tseslint.config(
  { ignores: ['**/dist/**', 'node_modules/**', 'coverage/**', 'data/**', 'eslint.config.mjs', '**/*.mjs', '**/*.cjs'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['**/*.test.ts', 'src/**/contract/**', 'src/client/test-fakes.ts'],
    plugins: { boundaries },
    settings: {
      'import/resolver': { [join(import.meta.dirname, 'eslint-resolver.cjs')]: {} },
      'boundaries/elements': [
        ...Object.keys(LAYERS)
          .filter((type) => type !== 'app')
          .map((type) => ({ type, pattern: `src/${type}`, partialMatch: false })),
        // what is left directly in src/: app.ts, the composition root
        { type: 'app', pattern: 'src', partialMatch: false },
      ],
    },
    rules: { 'boundaries/dependencies': dependencyRule },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/config/**', 'src/cli/**', 'src/app.ts', 'src/node/**', 'src/web/http-layer.ts', 'src/web/api/status.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/config/schema.js'], message: 'declare the settings this module reads; only the composition root, config/, cli/ and the status route import the schema' }] }],
    },
  },
  {
    files: ['src/core/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../*'], message: 'core/ imports nothing of ours outside core/' }] }],
    },
  },
  {
    files: ['src/core/*/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../../*'], message: 'core/ imports nothing of ours outside core/' }] }],
    },
  },
  {
    files: ['src/client/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../*', '!../core', '!../core/**'], message: 'client/ may import only core/' }] }],
    },
  },
  {
    files: ['src/cli/main.ts', 'test/**/*.ts', '**/*.test.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['test/**/*.ts', '**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
