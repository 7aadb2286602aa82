// Two projects: fast unit tests, and integration tests that start real brokers (serially, since
// each suite boots its own nodes and the machine has 2 cores).
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'es6' } }];
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
};
export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/**/*.test.ts'], testPathIgnorePatterns: ['\\.int\\.test\\.ts$'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/**/*.int.test.ts'] },
  ],
  testTimeout: 120000,
  globalSetup: '<rootDir>/test/global-setup.js',
  // Suites start real brokers and clients; a handle a library keeps open must not hang CI.
  forceExit: true,
};
