import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, formatMessages, type BuildFailure } from 'esbuild';
import { AppError } from '../../../shared/errors/index.js';
import { webErrorCodes } from './web-errors.js';

/** One file the page server answers with, built once and kept in memory. */
export interface WebAsset {
  body: Buffer;
  contentType: string;
  /** strong ETag: a quoted SHA-256 prefix of the body */
  etag: string;
}

/** The page and its bundled assets, keyed by URL path: `/`, `/assets/app.js`, `/assets/app.css` and their maps. */
export type WebAssets = ReadonlyMap<string, WebAsset>;

/** The folder holding index.html, styles.css and src/ (this file's own folder). */
export const WEB_DIR = path.dirname(fileURLToPath(import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/**
 * Bundles the page with esbuild, in memory: src/main.ts (OpenLayers, umap-js and the page's code, all from
 * node_modules: no CDN) to app.js, styles.css (with ol/ol.css inlined) to app.css, minified, for ES2020 browsers,
 * with linked source maps. Nothing is written to disk, so there is no build step and no committed bundle.
 * A bundling error rejects with AppError WEB_BUILD_FAILED listing esbuild's messages.
 */
export async function buildWebAssets(webDir: string = WEB_DIR): Promise<WebAssets> {
  const outdir = path.join(webDir, 'assets');
  let outputFiles;
  try {
    ({ outputFiles } = await build({
      absWorkingDir: webDir,
      entryPoints: [
        { in: path.join(webDir, 'src/main.ts'), out: 'app' },
        { in: path.join(webDir, 'styles.css'), out: 'app' },
      ],
      outdir,
      bundle: true,
      minify: true,
      sourcemap: 'linked',
      platform: 'browser',
      target: 'es2020',
      format: 'iife',
      write: false,
      logLevel: 'silent',
      legalComments: 'eof',
    }));
  } catch (error) {
    throw new AppError(webErrorCodes.buildFailed, `the web page does not build:\n${await describeBuildError(error)}`, {
      retriable: false,
      cause: error,
    });
  }
  const assets = new Map<string, WebAsset>();
  for (const file of outputFiles) {
    const name = path.relative(outdir, file.path).split(path.sep).join('/');
    assets.set(`/assets/${name}`, asset(Buffer.from(file.contents), path.extname(name)));
  }
  for (const required of ['/assets/app.js', '/assets/app.css']) {
    if (!assets.has(required)) {
      throw new AppError(webErrorCodes.buildFailed, `the web page build made no ${required}`, { retriable: false });
    }
  }
  const html = await readFile(path.join(webDir, 'index.html')).catch((error: unknown) => {
    throw new AppError(webErrorCodes.buildFailed, `the web page has no index.html in ${webDir}`, {
      retriable: false,
      cause: error,
    });
  });
  assets.set('/', asset(html, '.html'));
  return assets;
}

function asset(body: Buffer, ext: string): WebAsset {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return { body, contentType: CONTENT_TYPES[ext] ?? 'application/octet-stream', etag };
}

async function describeBuildError(error: unknown): Promise<string> {
  const failure = error as Partial<BuildFailure>;
  if (Array.isArray(failure.errors) && failure.errors.length > 0) {
    const lines = await formatMessages(failure.errors, { kind: 'error', color: false });
    return lines.join('\n').trim();
  }
  return error instanceof Error ? error.message : String(error);
}
