// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Modules that must stay pure: no I/O, no timers, no clock. Shells live next to them. */
const PURE = [
  'src/errors.ts',
  'src/config/size.ts',
  'src/config/resolve-config.ts',
  'src/http-seed/md5-header.ts',
  'src/http-seed/content-range.ts',
  'src/http-seed/retry-delay.ts',
  'src/http-seed/header-values.ts',
  'src/http-seed/origin-client.ts',
  'src/http-seed/redact.ts',
  'src/http-seed/azure-auth.ts',
  'src/http-seed/azure-failure.ts',
  'src/piece-picker/**/*.ts',
  'src/pieces/**/*.ts',
  'src/wire/codec*.ts',
  'src/wire/frame-decoder.ts',
  'src/wire/handshake.ts',
  'src/wire/wire-error.ts',
  'src/wire/ip-address.ts',
  'src/discovery/announce-codec.ts',
  'src/discovery/announce-plan.ts',
  'src/discovery/broadcast-addresses.ts',
  'src/discovery/peer-table.ts',
  'src/discovery/source-rate-limiter.ts',
  'src/discovery/swarm-id.ts',
  'src/peer-sources/tracker-info-hash.ts',
  'src/peer-sources/tracker-codec.ts',
  'src/peer-sources/bencode-framing.ts',
  'src/peer-sources/compact-peers.ts',
  'src/peer-sources/tracker-plan.ts',
  'src/peer-sources/peer-address.ts',
  'src/peer-sources/address-answer.ts',
  'src/storage/resume-state.ts',
  'src/storage/translate-have.ts',
  'src/storage/eviction-policy.ts',
  'src/storage/entry-meta-codec.ts',
  'src/control/socket-path.ts',
  'src/control/api-types.ts',
  'src/cli/format-*.ts',
  'src/rate-limit/token-bucket.ts',
  'src/rate-limit/rate-meter.ts',
  'src/swarm/peer-requests.ts',
  'src/swarm/hash-book.ts',
  'src/swarm/peer-exchange.ts',
  'src/storage/piece-digest.ts',
  'src/testing/origin-content.ts',
  'src/testing/wire-arbitraries.ts',
  'src/testing/announce-arbitraries.ts',
  'src/testing/discovery-args.ts',
  'src/testing/tracker-answers.ts',
  'src/testing/tracker-arbitraries.ts',
  'src/testing/fuzz-property.ts',
  'src/testing/*-fuzz-properties.ts',
];

const IO_MODULES = [
  'node:fs', 'node:fs/promises', 'fs', 'fs/promises', 'node:net', 'net', 'node:dgram', 'dgram',
  'node:http', 'node:https', 'http', 'https', 'undici', 'node:child_process', 'child_process',
  'node:timers', 'node:timers/promises', 'dgram-as-promised', 'node:os', 'os',
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { performance: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // bin/: CommonJS (bin/package.json), so the programs start without Node's ESM loader.
    files: ['bin/**/*.js', 'bin/**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: PURE,
    rules: {
      'no-restricted-imports': ['error', { paths: IO_MODULES.map((name) => ({ name, message: 'pure module: pass I/O in from a shell' })) }],
      'no-restricted-globals': ['error',
        { name: 'setTimeout', message: 'pure module: pass time in' },
        { name: 'setInterval', message: 'pure module: pass time in' },
        { name: 'process', message: 'pure module: pass environment in' },
      ],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'pure module: pass `nowMs` in' },
        { object: 'Math', property: 'random', message: 'pure module: pass randomness in' },
      ],
    },
  },
);
