import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { pngChunks, readPngText, withPngText } from '../../src/providers/png-text.js';
import { rgba, testPng } from './helpers.js';

const settings = {
  prompt: 'a lighthouse on a cliff, "golden hour"\nwith fog',
  model: 'flux-dev',
  seed: '42',
  steps: '25',
  size: '512×384',
  price: '12 credits',
  'catalog version': '3',
};

describe('PNG text chunks', () => {
  it('round-trips Latin-1 values as tEXt and others as iTXt, and sharp still decodes the image', async () => {
    const png = await testPng(40, 30);
    const entries = { ...settings, 'negative prompt': 'blurry, 低品質, ✨ emoji 🎨' };
    const tagged = withPngText(png, entries);
    expect(readPngText(tagged)).toEqual(entries);
    const types = pngChunks(tagged).map((chunk) => chunk.type);
    expect(types.filter((type) => type === 'tEXt')).toHaveLength(Object.keys(settings).length);
    expect(types.filter((type) => type === 'iTXt')).toHaveLength(1);
    const metadata = await sharp(tagged).metadata();
    expect(metadata).toMatchObject({ format: 'png', width: 40, height: 30 });
    const [before, after] = await Promise.all([rgba(png), rgba(tagged)]);
    expect(after.data.equals(before.data)).toBe(true);
  });

  it('writes correct CRCs and puts the text before IEND, which stays last', async () => {
    const tagged = withPngText(await testPng(8, 8), settings);
    const chunks = pngChunks(tagged);
    for (const chunk of chunks) expect(chunk.crc, chunk.type).toBe(chunk.computedCrc);
    expect(chunks[0]?.type).toBe('IHDR');
    expect(chunks.at(-1)?.type).toBe('IEND');
    expect(chunks.at(-1)?.end).toBe(tagged.length);
    const lastData = chunks.map((chunk) => chunk.type).lastIndexOf('IDAT');
    const firstText = chunks.findIndex((chunk) => chunk.type === 'tEXt');
    expect(firstText).toBeGreaterThan(lastData);
  });

  it('replaces an existing entry rather than duplicating it', async () => {
    const once = withPngText(await testPng(8, 8), { seed: '1', model: 'flux-dev' });
    const twice = withPngText(once, { seed: '2' });
    expect(readPngText(twice)).toEqual({ model: 'flux-dev', seed: '2' });
    expect(pngChunks(twice).filter((chunk) => chunk.type === 'tEXt')).toHaveLength(2);
  });

  it('reads compressed zTXt and iTXt chunks written by other tools', async () => {
    const png = await testPng(8, 8);
    const chunk = (type: string, data: Buffer): Buffer => {
      const out = Buffer.alloc(12 + data.length);
      out.writeUInt32BE(data.length, 0);
      out.write(type, 4, 'latin1');
      data.copy(out, 8);
      out.writeUInt32BE(crc32(data, crc32(Buffer.from(type, 'latin1'))), 8 + data.length);
      return out;
    };
    const z = chunk('zTXt', Buffer.concat([Buffer.from('comment\0\0', 'latin1'), deflateSync(Buffer.from('zipped text', 'latin1'))]));
    const i = chunk('iTXt', Buffer.concat([Buffer.from('title\0\x01\0en\0Titel\0', 'latin1'), deflateSync(Buffer.from('Überschrift ✓', 'utf8'))]));
    const iend = pngChunks(png).at(-1);
    if (iend === undefined) throw new Error('no IEND');
    const withChunks = Buffer.concat([png.subarray(0, iend.start), z, i, png.subarray(iend.start)]);
    expect(readPngText(withChunks)).toEqual({ comment: 'zipped text', title: 'Überschrift ✓' });
  });

  it('refuses bad keywords, NUL characters and non-PNG input', async () => {
    const png = await testPng(8, 8);
    expect(() => withPngText(png, { '': 'x' })).toThrow(RangeError);
    expect(() => withPngText(png, { ' lead': 'x' })).toThrow(RangeError);
    expect(() => withPngText(png, { ['k'.repeat(80)]: 'x' })).toThrow(RangeError);
    expect(() => withPngText(png, { 'ключ': 'x' })).toThrow(RangeError);
    expect(() => withPngText(png, { key: 'a\u0000b' })).toThrow(RangeError);
    expect(() => withPngText(Buffer.from('not a png'), { key: 'x' })).toThrow(RangeError);
    expect(() => readPngText(png.subarray(0, png.length - 6))).toThrow(RangeError);
  });

  it('detects a corrupted text chunk by its CRC', async () => {
    const tagged = withPngText(await testPng(8, 8), { prompt: 'hello' });
    const text = pngChunks(tagged).find((chunk) => chunk.type === 'tEXt');
    if (text === undefined) throw new Error('no tEXt');
    const corrupted = Buffer.from(tagged);
    corrupted[text.start + 8 + 7] = 'j'.charCodeAt(0);
    expect(() => readPngText(corrupted)).toThrow(/CRC/);
  });
});
