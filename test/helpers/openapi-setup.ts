import { afterAll } from 'vitest';
import { checkRecordedAnswers, formatMismatches, startRecording } from './openapi-responses.js';

/**
 * Setup file of the integration project: records every answer of a node under test and, once
 * the test file is done, checks them against the OpenAPI document each node serves. A mismatch
 * fails the file.
 */
startRecording();

afterAll(async () => {
  const report = await checkRecordedAnswers();
  if (report.mismatches.length > 0) throw new Error(formatMismatches(report));
});
