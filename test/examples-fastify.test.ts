import { createApp, type GdprApp } from '../examples/gdpr-fastify/src/app.js';
import { describeComplianceSamples } from '../examples/shared/test/compliance-suite.js';
import { describeDeadLetters } from '../examples/shared/test/dead-letters-suite.js';
import { describeWithExample } from '../examples/shared/test/example-fixture.js';
import { describeGdprExample, type ExampleUnderTest } from '../examples/shared/test/gdpr-suite.js';
import { describeMetrics } from '../examples/shared/test/metrics-suite.js';

const subject: ExampleUnderTest<GdprApp> = {
  example: 'gdpr-fastify',
  createApp,
  async send(app, path, delivery) {
    const response = await app.app.inject({
      method: 'POST',
      url: path,
      headers: delivery.headers,
      payload: delivery.body,
    });
    return { status: response.statusCode, text: response.body };
  },
};

describeGdprExample(subject);
// One more app for both suites: opening a database is the slow part of a test file.
describeWithExample(subject, (fixture) => {
  describeComplianceSamples(subject, fixture);
  describeDeadLetters(fixture);
});
describeMetrics(subject);
