/**
 * One resolver for every way the renderer loads a project file: the serve host's `/media/...`
 * route and Electron's `segmedia://media/...` protocol. A media path is a URL path (still
 * percent-encoded) in one of three namespaces:
 *
 *   sample/<split>/<id>/<layer>[/<run>]   a sample's image, thumbnail, masks (via the dataset)
 *   export/<relative...>                 a file in the project's exports folder
 *   file/<rootIndex>/<relative...>       a file under one of the allowed roots
 *
 * Whatever the namespace, the final file must lie inside an allowed root, both lexically and
 * after resolving symlinks, so no spelling of a path (`..`, `%2e%2e`, `%2f`, `\`, `C:`, UNC,
 * NUL, double encoding, a look-alike sibling folder, a symlink) can reach anything else. For
 * sample layers the same check runs on every source file before a derived file is made.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isInside, isUnderAnyRoot, realRootsOf, realpathOrNull } from '../fs/inside';

export const SAMPLE_LAYERS = [
  'image',
  'thumb',
  'gt',
  'gtThumb',
  'gtIndex',
  'pred',
  'predIndex',
  'error',
] as const;
export type SampleLayer = (typeof SAMPLE_LAYERS)[number];

/** A file and the folders it must lie inside (lexically and after following symlinks). */
export interface ConfinedFile {
  readonly file: string;
  readonly roots: readonly string[];
}

/**
 * One sample layer, described before anything is made from it. The resolver confines every
 * source first and calls `produce` only when all of them pass, so a thumbnail, rendered mask,
 * error map or prediction is never derived from a file outside the allowed folders (a check on
 * the generated cache file alone would pass: it always lies in the cache).
 */
export interface SampleLayerFile {
  /** The files the layer shows or is rendered from (the image, the mask, the prediction). */
  readonly sources: readonly ConfinedFile[];
  /** Absolute path of the file to serve, rendered first if needed (e.g. into the cache). */
  produce(): Promise<string>;
  /** Roots the served file must stay inside (the dataset folder, the project cache...). */
  readonly roots: readonly string[];
}

/** What the open project lets the resolver see; every method may return nothing. */
export interface MediaProvider {
  /** Roots addressable as `file/<index>/...`. */
  fileRoots(): readonly string[];
  exportsDir(): string | null;
  sampleLayer(request: {
    split: string;
    id: string;
    layer: SampleLayer;
    run: string | null;
  }): Promise<SampleLayerFile | null>;
}

export type MediaResolution =
  | {
      readonly ok: true;
      readonly file: string;
      readonly contentType: string;
      readonly size: number;
      /** For cache validators (ETag / Last-Modified). */
      readonly mtimeMs: number;
    }
  | { readonly ok: false; readonly status: 400 | 403 | 404; readonly reason: string };

const CONTENT_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.bmp': 'image/bmp',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.json': 'application/json',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.zip': 'application/zip',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Images render inline; anything else (archives, CSV, JSON) is offered as a download. */
export function isInlineType(contentType: string): boolean {
  return contentType.startsWith('image/');
}

const refuse = (status: 400 | 403 | 404, reason: string): MediaResolution => ({
  ok: false,
  status,
  reason,
});

/**
 * Splits a percent-encoded media path into decoded segments, refusing anything that could
 * change meaning after decoding. Returns null for an unsafe path.
 */
export function decodeMediaSegments(raw: string): string[] | null {
  if (raw.length === 0 || raw.length > 4096) return null;
  // Absolute paths and backslash separators are refused before any decoding.
  if (raw.startsWith('/') || raw.includes('\\')) return null;
  const segments: string[] = [];
  for (const part of raw.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      return null;
    }
    if (!isSafeSegment(decoded)) return null;
    segments.push(decoded);
  }
  return segments;
}

function isSafeSegment(segment: string): boolean {
  if (segment === '' || segment === '.' || segment === '..') return false;
  // Separators that arrived encoded (%2f, %5c), NUL and other control characters.
  if (/[/\\\p{Cc}]/u.test(segment)) return false;
  // Drive letters (`C:`), alternate data streams (`a:b`), and Windows device paths.
  if (segment.includes(':')) return false;
  // Still percent-encoded after one decode = double encoding; never decode twice.
  if (/%[0-9a-fA-F]{2}/.test(segment)) return false;
  // Windows silently drops trailing dots/spaces, so `..` could hide as `.. ` or `...`.
  if (/^[. ]+$/.test(segment) || /[. ]$/.test(segment)) return false;
  return true;
}

/**
 * Checks that `file` exists, is a regular file and lies inside one of `roots` both as
 * written and after following symlinks.
 */
export async function confineToRoots(
  file: string,
  roots: readonly string[],
): Promise<MediaResolution> {
  const absolute = path.resolve(file);
  const lexicalRoots = roots.map((r) => path.resolve(r));
  if (!lexicalRoots.some((root) => isInside(root, absolute))) {
    return refuse(403, 'outside the allowed folders');
  }
  const real = await realpathOrNull(absolute);
  if (!real) return refuse(404, 'no such file');
  if (!isUnderAnyRoot(await realRootsOf(lexicalRoots), real)) {
    return refuse(403, 'links outside the allowed folders');
  }
  const stats = await fs.stat(real);
  if (!stats.isFile()) return refuse(404, 'not a file');
  return {
    ok: true,
    file: real,
    contentType: contentTypeOf(real),
    size: stats.size,
    mtimeMs: stats.mtimeMs,
  };
}

export interface MediaResolver {
  resolve(rawPath: string): Promise<MediaResolution>;
}

export function createMediaResolver(provider: MediaProvider): MediaResolver {
  return {
    async resolve(rawPath) {
      const segments = decodeMediaSegments(rawPath);
      if (!segments) return refuse(400, 'malformed or unsafe media path');
      const [namespace, ...rest] = segments;
      switch (namespace) {
        case 'sample':
          return resolveSample(provider, rest);
        case 'export': {
          const dir = provider.exportsDir();
          if (!dir || rest.length === 0) return refuse(404, 'no such export');
          return confineToRoots(path.join(dir, ...rest), [dir]);
        }
        case 'file': {
          const [indexText, ...relative] = rest;
          const root = /^\d{1,3}$/.test(indexText ?? '')
            ? provider.fileRoots()[Number(indexText)]
            : undefined;
          if (!root || relative.length === 0) return refuse(404, 'no such file');
          return confineToRoots(path.join(root, ...relative), [root]);
        }
        default:
          return refuse(404, 'unknown media namespace');
      }
    },
  };
}

async function resolveSample(provider: MediaProvider, rest: string[]): Promise<MediaResolution> {
  const [split, id, layer, run, ...extra] = rest;
  if (!split || !id || !layer || extra.length > 0) return refuse(404, 'no such sample layer');
  if (!(SAMPLE_LAYERS as readonly string[]).includes(layer)) {
    return refuse(404, 'no such sample layer');
  }
  const found = await provider.sampleLayer({
    split,
    id,
    layer: layer as SampleLayer,
    run: run ?? null,
  });
  if (!found) return refuse(404, 'no such sample layer');
  return produceConfined(found);
}

/**
 * Confines every source of `layer`, then produces it and confines the result. Everything that
 * makes a sample layer (the media route, the thumbnail warm-up) goes through here, so nothing
 * derived from an outside file can land in the cache for `file/...` to serve later.
 */
export async function produceConfined(layer: SampleLayerFile): Promise<MediaResolution> {
  for (const source of layer.sources) {
    const checked = await confineToRoots(source.file, source.roots);
    if (!checked.ok) return checked;
  }
  return confineToRoots(await layer.produce(), layer.roots);
}

/** Builds a media path from raw (unencoded) segments; the inverse of decodeMediaSegments. */
export function mediaPath(...segments: string[]): string {
  return segments.map((s) => encodeURIComponent(s)).join('/');
}

/** `ProducedFile.mediaPath` of a file inside the exports folder; null when it is elsewhere. */
export function exportMediaPath(exportsDir: string, file: string): string | null {
  const absolute = path.resolve(file);
  const relative = path.relative(path.resolve(exportsDir), absolute);
  if (relative === '' || !isInside(exportsDir, absolute)) return null;
  return mediaPath('export', ...relative.split(path.sep));
}
