// Resolves the relative `./x.js` imports of the TypeScript sources to their `./x.ts` files, so
// that eslint-plugin-boundaries sees every dependency; anything else goes to the node resolver.
const { existsSync } = require('node:fs');
const { dirname, resolve } = require('node:path');
const node = require('eslint-import-resolver-node');

exports.interfaceVersion = 2;
exports.resolve = (source, file, config) => {
  if (source.startsWith('.') && source.endsWith('.js')) {
    const ts = resolve(dirname(file), `${source.slice(0, -'.js'.length)}.ts`);
    if (existsSync(ts)) return { found: true, path: ts };
  }
  return node.resolve(source, file, config);
};
