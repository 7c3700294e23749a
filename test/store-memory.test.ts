import { createMemoryStore } from '@hookinbox/core';
import { describeStoreContract } from './store-contract.js';

// A fresh store per test: nothing is shared, so there is nothing to delete afterwards.
describeStoreContract('memory', async () => ({ store: createMemoryStore(), cleanup: async () => {} }));
