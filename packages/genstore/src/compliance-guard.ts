import { compilePattern } from '@hookinbox/core';
import { GENSTORE_COMPLIANCE_TOPICS, type GenstoreComplianceTopic } from './compliance.js';

/** The compliance topics that no pattern in `patterns` covers. */
export function findMissingComplianceHandlers(patterns: readonly string[]): GenstoreComplianceTopic[] {
  const matchers = patterns.map(compilePattern);
  return GENSTORE_COMPLIANCE_TOPICS.filter((topic) => !matchers.some((matches) => matches(topic)));
}

/** Throws when a compliance topic has no handler; see option `requireComplianceHandlers`. */
export function assertComplianceHandlers(patterns: readonly string[]): void {
  const missing = findMissingComplianceHandlers(patterns);
  if (missing.length === 0) return;
  throw new Error(
    `@hookinbox/genstore: requireComplianceHandlers is on, but no handler is registered for ${missing.join(', ')}. ` +
      'Every app published on the Genstore App Store must handle these topics; register them with ' +
      `receiver.on('${missing[0]}', handler) (a pattern such as 'customers/*' counts) before receiver.ready().`,
  );
}
