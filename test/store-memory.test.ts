import { createMemoryStore } from '@hookinbox/core';
import { describeDedupeStore } from '@hookinbox/testing/store-contract';

// A fresh store per test: nothing is shared, so there is nothing to delete afterwards.
describeDedupeStore('memory', async () => ({ store: createMemoryStore(), cleanup: async () => {} }));
