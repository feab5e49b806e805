import { afterAll } from 'vitest';
import { checkRecordedAnswers, formatMismatches, startRecording } from './openapi-responses.js';

/**
 * Setup file of the integration project: records every answer of a node under test and, once
 * the test file is done, checks them against the OpenAPI document each node serves.
 *
 * ARTEMIS_OPENAPI_ANSWERS=report lists the mismatches without failing the file.
 */
const mode = process.env['ARTEMIS_OPENAPI_ANSWERS'] === 'report' ? 'report' : 'enforce';

startRecording();

afterAll(async () => {
  const report = await checkRecordedAnswers();
  if (report.mismatches.length === 0) return;
  const text = formatMismatches(report);
  if (mode === 'enforce') throw new Error(text);
  console.warn(text);
});
