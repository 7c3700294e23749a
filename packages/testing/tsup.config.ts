import { packageConfig } from '../../tsup.base.js';

// The contract suite imports vitest: a separate entry, so the main entry never loads it.
export default packageConfig(['src/index.ts', 'src/store-contract.ts']);
