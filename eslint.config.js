// typescript-eslint's recommended rules, and the type-aware ones that catch what tsc does not: a promise nobody
// awaits or catches (a wait without its error path, a `void main()` whose rejection is lost).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'reports/', 'node_modules/', 'erlang-app/', 'kind-node/', '.dependency-cruiser.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // `void promise` says "nobody waits for this" but still loses its rejection: catch it instead.
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: false }],
      // `const { a: _a, ...rest } = o` drops a; `_`-named parameters are required by a signature.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['eslint.config.js'], extends: [tseslint.configs.disableTypeChecked] },
);
