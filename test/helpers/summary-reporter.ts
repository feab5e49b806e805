import type { Reporter, TestModule } from 'vitest/node';

/** Ends the run with one plain line: "Tests: N passed, N failed, N skipped" (and files that failed outside their tests). */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    // a file can fail with every test passed: an error while loading it, or in a hook of its own
    let filesFailedOutsideTests = 0;
    for (const m of testModules) {
      let failedHere = 0;
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failedHere++;
        else skipped++;
      }
      failed += failedHere;
      if (failedHere === 0 && m.state() === 'failed') filesFailedOutsideTests++;
    }
    const outside = filesFailedOutsideTests > 0 ? `, ${filesFailedOutsideTests} file(s) failed outside their tests` : '';
    process.stdout.write(`\nTests: ${passed} passed, ${failed} failed, ${skipped} skipped${outside}\n`);
  }
}
