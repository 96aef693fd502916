// Bundles the command line (dist/src/cli/main.js, as tsc built it) into dist/cli/: a start reads a
// handful of files instead of ~900 (docs/decisions.md 235). Dynamic imports stay separate chunks,
// loaded on first use as before. Run by `npm run build` after tsc.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist/cli');

// Left to Node's resolution: a native addon; packages that find their own files next to their
// modules (fonts, worker scripts); and the ones loaded only on first use, which stay as they are
// rather than as one more chunk.
const external = [
  'better-sqlite3',
  'pg',
  'oidc-provider',
  'exceljs',
  'pdfkit',
  'archiver',
  'node-forge',
  'ssh2',
];

// @fastify/swagger-ui is bundled (it and its dependencies are ~150 files read at every start),
// but serves Swagger UI's files from its package folder: its __dirname is where Node finds it.
const swaggerUiFiles = {
  name: 'swagger-ui-files',
  setup(b) {
    b.onLoad({ filter: /[\\/]@fastify[\\/]swagger-ui[\\/](index|lib[\\/]routes)\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const sub = /routes\.js$/.test(args.path) ? ", 'lib'" : '';
      const dir = `require('node:path').join(require('node:path').dirname(require.resolve('@fastify/swagger-ui'))${sub})`;
      return { contents: `var __dirname = ${dir};\n${source}`, loader: 'js' };
    });
  },
};

// Packages that dependencies load at start but call only on rarer paths: the YAML writer (the
// OpenAPI document as YAML) and glob (@fastify/static without its wildcard route). Each becomes a
// stand-in whose functions load the real package, from where its dependent finds it, on first call.
const lazy = { yaml: ['@fastify/swagger'], glob: ['@fastify/swagger-ui', '@fastify/static'] };
const lazyPackages = {
  name: 'lazy-packages',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(${Object.keys(lazy).join('|')})$`) }, (args) => ({ path: args.path, namespace: 'lazy-package' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-package' }, (args) => ({
      loader: 'js',
      contents: `const { createRequire } = require('node:module');
let real;
function load() {
  if (!real) {
    let from = require;
    for (const dependent of ${JSON.stringify(lazy[args.path])}) from = createRequire(from.resolve(dependent));
    real = from(${JSON.stringify(args.path)});
  }
  return real;
}
module.exports = new Proxy({}, { get: (_, key) => (key === '__esModule' ? undefined : (...a) => load()[key](...a)) });
`,
    }));
  },
};

// Node 22+ gives `node:http` lazy getters (WebSocket and friends) that load Node's own copy of
// undici; an ES import of `node:http` builds a facade that reads every export, so those ~35 ms
// were spent at each start. Our code's imports of it go through require, as bundled packages' do.
const httpByRequire = {
  name: 'http-by-require',
  setup(b) {
    b.onResolve({ filter: /^node:http$/ }, (args) => (args.kind === 'import-statement' ? { path: 'node:http', namespace: 'http-by-require' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'http-by-require' }, () => ({ loader: 'js', contents: "module.exports = require('node:http');" }));
  },
};

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: { main: path.join(root, 'dist/src/cli/main.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  // Bundled CommonJS packages call require() for Node's own modules: give them one.
  banner: { js: "import { createRequire as __devkitCreateRequire } from 'node:module'; const require = __devkitCreateRequire(import.meta.url);" },
  chunkNames: 'chunk-[hash]',
  // The bundled packages' licence notices travel with their code.
  legalComments: 'eof',
  // Less to read and parse (~10% of a start's CPU); names are kept, so stacks still say where,
  // and lines stay short (Node prints the line of an uncaught error).
  minifyWhitespace: true,
  minifySyntax: true,
  lineLimit: 160,
  logLevel: 'warning',
  metafile: true,
  plugins: [swaggerUiFiles, lazyPackages, httpByRequire],
});
if (process.argv.includes('--report')) {
  const outputs = Object.entries(result.metafile.outputs).map(([file, o]) => `${(o.bytes / 1024).toFixed(0).padStart(6)} KiB  ${path.relative(root, file)}`);
  console.log(outputs.join('\n'));
}
if (process.argv.includes('--packages')) {
  for (const [file, o] of Object.entries(result.metafile.outputs)) {
    if (o.bytes < 50_000) continue;
    const by = new Map();
    for (const [input, i] of Object.entries(o.inputs)) {
      const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/g);
      const k = m ? m[m.length - 1].replace('node_modules/', '') : input.replace(/\/[^/]+$/, '');
      by.set(k, (by.get(k) ?? 0) + i.bytesInOutput);
    }
    console.log(`${path.relative(root, file)} ${(o.bytes / 1024).toFixed(0)} KiB:`, [...by].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([k, v]) => `${k} ${(v / 1024).toFixed(0)}`).join(', '));
  }
}
