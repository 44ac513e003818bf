// Writes the run's counts to .jest-results.json so .ci/run can print a plain
// "N passed, N failed" line, and a run that executed no test is visible.
const fs = require('node:fs');
const path = require('node:path');

class ResultsReporter {
  constructor(globalConfig) {
    this.file = path.join(globalConfig.rootDir, '.jest-results.json');
  }

  onRunStart() {
    fs.rmSync(this.file, { force: true });
  }

  onRunComplete(_contexts, results) {
    const summary = {
      numPassedTests: results.numPassedTests,
      numFailedTests: results.numFailedTests,
      numPendingTests: results.numPendingTests,
      numTotalTests: results.numTotalTests,
      numFailedTestSuites: results.numFailedTestSuites,
      numRuntimeErrorTestSuites: results.numRuntimeErrorTestSuites,
      success: results.success,
    };
    fs.writeFileSync(this.file, `${JSON.stringify(summary, null, 2)}\n`);
  }
}

module.exports = ResultsReporter;
