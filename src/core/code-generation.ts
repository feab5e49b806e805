/**
 * Whether this process may compile code from strings (`new Function`): node refuses it under
 * `--disallow-code-generation-from-strings` (and so may an embedder's policy). Found once, when
 * the module loads, by trying. Every function compiled from a table has a plain closure doing the
 * same work, used when this is false.
 */
export const codeGenerationAllowed: boolean = (() => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the probe itself
    return (new Function('return true') as () => boolean)();
  } catch {
    return false;
  }
})();
