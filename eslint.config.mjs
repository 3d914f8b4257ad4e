import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';
import globals from 'globals';
import { builtinModules } from 'node:module';

// Process boundaries: shared/ is pure (no Node, no Electron, no other layer); renderer/ sees
// only shared/; preload/ sees only shared/; main/ never reaches into renderer/ or preload/.
const layer = (name) => ({
  regex: `(^|/)${name}(/|$)`,
  message: `Import direction: this layer must not import from ${name}/.`,
});
// Both spellings: `node:fs` and the bare `fs` / `fs/promises`.
const nodeBuiltins = {
  regex: `^(node:|(${builtinModules.filter((m) => !m.startsWith('_')).join('|')})(/|$))`,
  message: 'shared/ and renderer/ must stay free of Node built-ins.',
};
const runtimeOnly = ['electron', 'sharp', 'ws', '@tensorflow/tfjs-node', '@tensorflow/tfjs'].map(
  (name) => ({
    name,
    message: `${name} belongs to main/ (or preload/ for electron).`,
  }),
);

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'resources/sample/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['shared/**'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: runtimeOnly,
          patterns: [layer('main'), layer('renderer'), layer('preload'), nodeBuiltins],
        },
      ],
    },
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: runtimeOnly, patterns: [layer('main'), layer('preload'), nodeBuiltins] },
      ],
    },
  },
  {
    files: ['preload/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', { patterns: [layer('main'), layer('renderer')] }],
    },
  },
  {
    files: ['main/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [layer('renderer'), layer('preload')] }],
    },
  },
);
