import { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import type { ReviewStatus } from '@atelier/contracts';
import { csvField } from '../usage/usage.service.js';

/** One image of a board as the ZIP holds it, with the manifest's columns. */
export interface ArchiveEntry {
  fileName: string;
  title: string;
  status: ReviewStatus;
  costCredits: number;
  model: string;
  seed: number;
  settings: Record<string, unknown>;
  author: string;
  createdAt: Date;
  /** Reads the PNG when the archive reaches it (so a large board is never all in memory). */
  read: () => Promise<Buffer | undefined>;
}

export const manifestColumns = ['file', 'title', 'status', 'cost', 'model', 'seed', 'settings', 'author', 'date'] as const;

export function manifestCsv(entries: readonly ArchiveEntry[]): string {
  const lines = entries.map((entry) =>
    [entry.fileName, entry.title, entry.status, String(entry.costCredits), entry.model, String(entry.seed), JSON.stringify(entry.settings), entry.author, entry.createdAt.toISOString()]
      .map(csvField)
      .join(','),
  );
  return `${[manifestColumns.join(','), ...lines].join('\r\n')}\r\n`;
}

/**
 * A ZIP (yazl) of the board's images in board order and `manifest.csv`, streamed: each image is
 * read from storage only when the archive gets to it. A missing file is left out of the ZIP (the
 * manifest still lists it).
 */
export function boardArchive(entries: readonly ArchiveEntry[]): NodeJS.ReadableStream {
  const zip = new ZipFile();
  for (const entry of entries) {
    zip.addReadStreamLazy(entry.fileName, { compress: false }, (done) => {
      entry.read().then(
        (bytes) => {
          done(null, Readable.from(bytes === undefined ? [] : [bytes]));
        },
        (error: unknown) => {
          done(error, Readable.from([]));
        },
      );
    });
  }
  // Stored, not deflated: PNGs are compressed already, and the manifest stays readable as it is.
  zip.addBuffer(Buffer.from(manifestCsv(entries), 'utf8'), 'manifest.csv', { compress: false });
  zip.end();
  return zip.outputStream;
}
