import { packageConfig } from '../../tsup.base.js';

// The contract suites import vitest: separate entries, so the main entry never loads it.
export default packageConfig(['src/index.ts', 'src/store-contract.ts', 'src/queue-contract.ts']);
