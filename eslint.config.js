import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

// Test code: unit tests, the whole-stack tests and benches under test/src, and the fakes under
// a workspace's src/testing.
const testFiles = ['**/*.test.ts', 'test/src/**', '**/testing/**'];

export default defineConfig(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.turbo/**',
      '**/src/generated/**',
      '**/drizzle/**',
      'data/**',
    ],
  },
  js.configs.recommended,
  {
    // Type-aware: each file is checked with the tsconfig.json of its workspace (which includes
    // the tests), so floating promises, unsafe `any` and needless assertions are found.
    files: ['**/*.ts', '**/*.tsx'],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: {
          // Config files outside every workspace's src/.
          allowDefaultProject: ['apps/orchestrator/drizzle.config.ts', 'test/vitest.config.ts'],
          defaultProject: 'tsconfig.base.json',
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // Numbers print as expected; what strict is after is `undefined`, objects and the like.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        {
          allowAny: false,
          allowBoolean: false,
          allowNever: false,
          allowNullish: false,
          allowNumber: true,
          allowRegExp: false,
        },
      ],
      // `x => void-call(x)` is the ordinary way to write a callback.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // `async` on a body that does not await is deliberate here: services and backends over
      // synchronous SQLite implement Promise-returning interfaces, and `async` makes their throws
      // rejections. Without it a throw would escape the callers' `.then`/`.catch`.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    rules: {
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // The web interface: the rules of hooks, and what the React compiler would refuse.
    files: ['apps/web/src/**/*.{ts,tsx}'],
    extends: [reactHooks.configs.flat.recommended],
  },
  {
    files: testFiles,
    rules: {
      // A test states what it expects and fails loudly when that is not so: `x!` after an
      // `expect(x).toBeDefined()`, and poking at parsed JSON of responses, are how it does that.
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      // `afterAll(() => stack?.close())`: the variable's type says it is set, but it is not
      // when beforeAll failed, and then the real error should be reported, not a TypeError.
      '@typescript-eslint/no-unnecessary-condition': 'off',
    },
  },
  {
    files: [...testFiles, 'scripts/**', 'apps/launcher/src/main.ts', '**/cli.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['apps/orchestrator/src/jobs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../accounting/*', '../licenses/*', '../providers/*', '../outbox/worker*'],
              message:
                'jobs/ declares the interfaces it needs (jobs/ports.ts) and is given implementations',
            },
          ],
        },
      ],
    },
  },
);
