/**
 * Builds the operator console into dist/console: one esbuild bundle (Preact, minified, hashed
 * names), a gzip and a brotli copy of every asset, the index template and manifest.json (read by
 * src/web/api/console.ts). Writes to a temporary directory first and renames it into place, so a
 * node reading dist/console never sees half a build.
 *
 *   npm run build:console           (also part of npm run build and npm test)
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const TYPES: Record<string, string> = { '.js': 'application/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

export interface ConsoleBuildResult {
  dir: string;
  assets: Array<{ file: string; bytes: number; gzip: number; br: number }>;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function indexPage(script: string, style: string | undefined): string {
  const css = style === undefined ? '' : `<link rel="stylesheet" href="{{prefix}}/console/assets/${style}">`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Artemis console</title><link rel="icon" href="data:,">${css}
<script type="module" src="{{prefix}}/console/assets/${script}"></script>
</head><body><div id="app"><p class="boot">Loading the console…</p></div>
<noscript>The console needs JavaScript. The API is described at <a href="{{prefix}}/swagger-ui">Swagger UI</a>.</noscript>
</body></html>`;
}

/** Builds the console into `outDir` (default dist/console). */
export async function buildConsole(outDir = join(root, 'dist', 'console')): Promise<ConsoleBuildResult> {
  const tmp = `${outDir}.tmp-${process.pid}-${Date.now()}`;
  const assetsDir = join(tmp, 'assets');
  mkdirSync(assetsDir, { recursive: true });
  try {
    const result = await build({
      entryPoints: [join(root, 'console', 'src', 'main.tsx')],
      bundle: true,
      minify: true,
      format: 'esm',
      target: ['chrome110', 'firefox110', 'safari16'],
      jsx: 'automatic',
      jsxImportSource: 'preact',
      entryNames: '[name]-[hash]',
      outdir: assetsDir,
      metafile: true,
      legalComments: 'none',
      logLevel: 'warning',
    });
    const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
    const script = outputs.find((f) => f.endsWith('.js'));
    const style = outputs.find((f) => f.endsWith('.css'));
    if (script === undefined) throw new Error('esbuild wrote no script');
    const assets: ConsoleBuildResult['assets'] = [];
    for (const file of outputs) {
      const ext = file.slice(file.lastIndexOf('.'));
      if (TYPES[ext] === undefined) continue;
      const raw = readFileSync(join(assetsDir, file));
      const gz = gzipSync(raw, { level: 9 });
      const br = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } });
      writeFileSync(join(assetsDir, `${file}.gz`), gz);
      writeFileSync(join(assetsDir, `${file}.br`), br);
      assets.push({ file, bytes: raw.length, gzip: gz.length, br: br.length });
    }
    const manifest = {
      index: indexPage(script, style),
      assets: assets.map((a) => {
        const ext = a.file.slice(a.file.lastIndexOf('.'));
        return { file: a.file, type: TYPES[ext], gzip: true, br: true };
      }),
    };
    writeFileSync(join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2));
    rmSync(outDir, { recursive: true, force: true });
    try {
      renameSync(tmp, outDir);
    } catch (err) {
      // another build finished in between: its output is as good as this one
      if ((err as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      rmSync(tmp, { recursive: true, force: true });
    }
    return { dir: outDir, assets };
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { dir, assets } = await buildConsole();
  const line = (a: ConsoleBuildResult['assets'][number]) => `  ${a.file}  ${a.bytes} B, gzip ${a.gzip} B, brotli ${a.br} B`;
  process.stdout.write(`console built into ${relative(process.cwd(), dir) || '.'}\n${assets.map(line).join('\n')}\n`);
}
