import { packageConfig } from '../../tsup.base.js';

// The runtime seam is built as two modules of its own and left as an import: package.json `imports` picks one of
// them where the package is used (Node or a runtime without Node built-ins), not when it is built.
export default packageConfig(['src/index.ts', 'src/platform/node.ts', 'src/platform/web.ts'], {
  external: ['#platform'],
});
