/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: {
    '^.+\\.(t|j)s$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }],
  },
  // ESM-only packages that ts-jest must compile for jest's CommonJS sandbox.
  transformIgnorePatterns: [
    '/node_modules/(?!(openid-client|oauth4webapi|jose|oidc-provider|pg-boss|serialize-error|non-error|rrule-temporal|temporal-spec)/)',
  ],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  reporters: ['default', '<rootDir>/test/support/results-reporter.js'],
  maxWorkers: 2,
  // Generous: a test must hold on a machine busy with other work, not only on an idle one.
  testTimeout: 180000,
};
