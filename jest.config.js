/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: {
    '^.+\\.(t|j)s$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }],
  },
  // Nothing under node_modules is compiled: the ESM-only packages (Nest 12, pg-boss 12,
  // openid-client, jose, oidc-provider) load as they are through require(esm), which Jest 30
  // supports on Node 24 when run with --experimental-vm-modules (`npm test` does).
  transformIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  reporters: ['default', '<rootDir>/test/support/results-reporter.js'],
  maxWorkers: 2,
  // Generous: a test must hold on a machine busy with other work, not only on an idle one.
  testTimeout: 180000,
};
