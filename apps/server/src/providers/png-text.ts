import { crc32, inflateSync } from 'node:zlib';

/** PNG text metadata (PNG spec §11.3.3): `tEXt` for Latin-1 values, `iTXt` (UTF-8) for the rest. */

const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export const pngTextLimits = {
  /** Keywords are 1..79 Latin-1 characters (PNG spec). */
  maxKeywordLength: 79,
  /** Most bytes of text one call may add (a guard against writing a whole file into metadata). */
  maxTotalTextBytes: 1_000_000,
} as const;

export interface PngChunk {
  type: string;
  data: Buffer;
  /** CRC stored in the file. */
  crc: number;
  /** CRC computed over type and data. */
  computedCrc: number;
  /** Byte range of the whole chunk (length, type, data, CRC) in the file. */
  start: number;
  end: number;
}

/** Splits a PNG into its chunks; throws on a bad signature or a truncated chunk. */
export function pngChunks(png: Buffer): PngChunk[] {
  if (png.length < pngSignature.length || !png.subarray(0, pngSignature.length).equals(pngSignature)) {
    throw new RangeError('not a PNG (bad signature)');
  }
  const chunks: PngChunk[] = [];
  let offset = pngSignature.length;
  while (offset < png.length) {
    if (offset + 12 > png.length) throw new RangeError(`truncated PNG chunk at byte ${offset}`);
    const length = png.readUInt32BE(offset);
    const end = offset + 12 + length;
    if (end > png.length) throw new RangeError(`truncated PNG chunk at byte ${offset}`);
    const typeBytes = png.subarray(offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    chunks.push({
      type: typeBytes.toString('latin1'),
      data,
      crc: png.readUInt32BE(offset + 8 + length),
      computedCrc: crc32(data, crc32(typeBytes)),
      start: offset,
      end,
    });
    offset = end;
    if (chunks.at(-1)?.type === 'IEND') break;
  }
  return chunks;
}

/**
 * A copy of `png` with one text chunk per entry inserted before IEND. Text chunks already in the
 * file under the same keywords are dropped, so writing twice replaces rather than duplicates.
 */
export function withPngText(png: Buffer, entries: Readonly<Record<string, string>>): Buffer {
  const keywords = Object.keys(entries);
  for (const keyword of keywords) checkKeyword(keyword);
  const added: Buffer[] = [];
  let textBytes = 0;
  for (const keyword of keywords) {
    const value = entries[keyword] ?? '';
    if (value.includes('\u0000')) throw new RangeError(`PNG text "${keyword}" contains a NUL character`);
    const chunk = isLatin1(value) ? textChunk(keyword, value) : internationalTextChunk(keyword, value);
    textBytes += chunk.length;
    added.push(chunk);
  }
  if (textBytes > pngTextLimits.maxTotalTextBytes) {
    throw new RangeError(`PNG text of ${textBytes} bytes exceeds ${pngTextLimits.maxTotalTextBytes}`);
  }
  const replaced = new Set(keywords);
  const parts: Buffer[] = [pngSignature];
  let sawEnd = false;
  for (const chunk of pngChunks(png)) {
    if (chunk.type === 'IEND') {
      parts.push(...added, png.subarray(chunk.start, chunk.end));
      sawEnd = true;
      break;
    }
    if (isTextChunk(chunk.type)) {
      const keyword = keywordOf(chunk.data);
      if (keyword !== undefined && replaced.has(keyword)) continue;
    }
    parts.push(png.subarray(chunk.start, chunk.end));
  }
  if (!sawEnd) throw new RangeError('PNG has no IEND chunk');
  return Buffer.concat(parts);
}

/** Every tEXt, zTXt and iTXt entry of a PNG (a later chunk wins for a repeated keyword). */
export function readPngText(png: Buffer): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const chunk of pngChunks(png)) {
    if (!isTextChunk(chunk.type)) continue;
    if (chunk.crc !== chunk.computedCrc) throw new RangeError(`PNG ${chunk.type} chunk at byte ${chunk.start} has a bad CRC`);
    const parsed = parseTextChunk(chunk.type, chunk.data);
    if (parsed !== undefined) entries[parsed.keyword] = parsed.text;
  }
  return entries;
}

function isTextChunk(type: string): boolean {
  return type === 'tEXt' || type === 'iTXt' || type === 'zTXt';
}

function checkKeyword(keyword: string): void {
  const valid =
    keyword.length >= 1 &&
    keyword.length <= pngTextLimits.maxKeywordLength &&
    Array.from({ length: keyword.length }, (_, i) => keyword.charCodeAt(i)).every(
      (code) => (code >= 32 && code <= 126) || (code >= 161 && code <= 255),
    ) &&
    !keyword.startsWith(' ') &&
    !keyword.endsWith(' ') &&
    !keyword.includes('  ');
  if (!valid) {
    throw new RangeError(`"${keyword}" is not a PNG text keyword (1..79 printable Latin-1 characters, no leading, trailing or double spaces)`);
  }
}

function isLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}

function chunk(type: string, data: Buffer): Buffer {
  const typeBytes = Buffer.from(type, 'latin1');
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  typeBytes.copy(out, 4);
  data.copy(out, 8);
  out.writeUInt32BE(crc32(data, crc32(typeBytes)), 8 + data.length);
  return out;
}

function textChunk(keyword: string, text: string): Buffer {
  return chunk('tEXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(text, 'latin1')]));
}

/** iTXt: keyword, NUL, compression flag 0, method 0, empty language tag, NUL, empty translated keyword, NUL, UTF-8 text. */
function internationalTextChunk(keyword: string, text: string): Buffer {
  return chunk('iTXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(text, 'utf8')]));
}

function keywordOf(data: Buffer): string | undefined {
  const nul = data.indexOf(0);
  return nul < 1 ? undefined : data.toString('latin1', 0, nul);
}

function parseTextChunk(type: string, data: Buffer): { keyword: string; text: string } | undefined {
  const nul = data.indexOf(0);
  if (nul < 1) return undefined;
  const keyword = data.toString('latin1', 0, nul);
  if (type === 'tEXt') return { keyword, text: data.toString('latin1', nul + 1) };
  if (type === 'zTXt') return { keyword, text: inflateSync(data.subarray(nul + 2)).toString('latin1') };
  // iTXt
  const compressed = data[nul + 1] === 1;
  const languageEnd = data.indexOf(0, nul + 3);
  if (languageEnd < 0) return undefined;
  const translatedEnd = data.indexOf(0, languageEnd + 1);
  if (translatedEnd < 0) return undefined;
  const body = data.subarray(translatedEnd + 1);
  return { keyword, text: (compressed ? inflateSync(body) : body).toString('utf8') };
}

/** A copy of `png` without any text chunk (tEXt, zTXt, iTXt): the pixels without the settings written beside them. */
export function withoutPngText(png: Buffer): Buffer {
  const parts: Buffer[] = [pngSignature];
  for (const chunk of pngChunks(png)) {
    if (!isTextChunk(chunk.type)) parts.push(png.subarray(chunk.start, chunk.end));
  }
  return Buffer.concat(parts);
}
