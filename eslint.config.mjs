import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

// The never-rules of docs/architecture.md, as import restrictions. Each rule names itself in its
// message; test/lint-boundaries.spec.ts breaks each one and shows that `npm run lint` fails.
// A type import is erased by the build: nothing of the simulators loads for it.
const SIMULATORS = {
  regex: '(^|/)simulators/',
  allowTypeImports: true,
  message:
    'Production code never imports src/simulators/ (demo mode loads it in main.ts and the CLI).',
};
const NEVER = {
  'src/contracts': [
    {
      regex: '^\\.\\./',
      message: 'contracts/ holds shapes only and imports nothing of the project.',
    },
  ],
  'src/catalog': [
    {
      regex: '^(\\.\\./)+(?!\\.\\./)(?!config/|contracts/)',
      message: 'catalog/ imports only config/ and contracts/.',
    },
  ],
  'src/mapping': [
    {
      regex: '(^|/)(provincial|national|database)/',
      message: 'mapping/ is pure: it imports neither the clients nor the database.',
    },
  ],
  'src/provincial': [
    { regex: '(^|/)national/', message: 'provincial/ and national/ never import each other.' },
  ],
  'src/national': [
    { regex: '(^|/)provincial/', message: 'provincial/ and national/ never import each other.' },
  ],
  'src/audit': [{ regex: '(^|/)transfers/', message: 'audit/ never imports transfers/.' }],
  'src/database': [
    {
      regex: '^(\\.\\./)+(?!\\.\\./)(?!config/|contracts/|migrations)',
      message: 'database/ imports no feature: the arrows point down to it.',
    },
  ],
};
// Only the clients speak HTTP and OIDC to the remote systems.
const REMOTE_LIBRARIES = [
  { name: 'axios', message: 'Only provincial/ and national/ import axios.' },
  {
    name: 'openid-client',
    message: 'Only the SSO parts of provincial/ and national/ import openid-client.',
  },
];
const PRODUCTION = { ignores: ['**/*.spec.ts', 'src/simulators/**'] };
const boundaries = [
  {
    files: ['src/**/*.ts'],
    ...PRODUCTION,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { paths: REMOTE_LIBRARIES, patterns: [SIMULATORS] },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportExpression[source.value=/simulators/]',
          message:
            'Only the composition roots (src/main.ts, src/cli/cli.ts, src/cli/cli-context.ts) load the simulators, in demo mode.',
        },
      ],
    },
  },
  ...Object.entries(NEVER).map(([folder, patterns]) => ({
    files: [`${folder}/**/*.ts`],
    ...PRODUCTION,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: folder === 'src/provincial' || folder === 'src/national' ? [] : REMOTE_LIBRARIES,
          patterns: [SIMULATORS, ...patterns],
        },
      ],
    },
  })),
  {
    files: ['src/main.ts', 'src/cli/cli.ts', 'src/cli/cli-context.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  // The clients' transport: axios's adapter on undici's pools, which the clients plug in.
  {
    files: ['src/common/outbound.ts', 'src/common/undici-adapter.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: REMOTE_LIBRARIES.filter((library) => library.name !== 'axios'),
          patterns: [SIMULATORS],
        },
      ],
    },
  },
];

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'coverage/',
      '.data/',
      'eslint.config.mjs',
      'jest.config.js',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unsafe-function-type': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      // supertest bodies and parsed log lines are untyped JSON by nature.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        console: 'readonly',
        process: 'readonly',
      },
    },
    rules: {
      ...tseslint.configs.disableTypeChecked.rules,
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // The console's one script runs in the browser.
    files: ['src/console/assets/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { document: 'readonly', fetch: 'readonly', setTimeout: 'readonly' },
    },
  },
  ...boundaries,
  prettier,
);
