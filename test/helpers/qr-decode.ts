/**
 * Decodes QR images as a phone's QR reader would: PNG through pngjs + jsQR; SVG (as the `qrcode`
 * package draws it: one stroked path of horizontal runs) rasterised here, then jsQR.
 */
import { createRequire } from 'node:module';
import { PNG } from 'pngjs';

// jsqr is CommonJS whose module.exports is the function itself (its typings say `export default`).
const jsQR = createRequire(import.meta.url)('jsqr') as typeof import('jsqr').default;

export function decodePng(png: Buffer): { text: string; width: number; height: number } {
  const image = PNG.sync.read(png);
  const found = jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length), image.width, image.height);
  if (!found) throw new Error('no QR code found in the PNG');
  return { text: found.data, width: image.width, height: image.height };
}

export function decodeSvg(svg: string, pixelsPerModule = 6): string {
  const viewBox = /viewBox="0 0 (\d+) (\d+)"/.exec(svg);
  const path = /<path stroke="#000000" d="([^"]+)"/.exec(svg);
  if (!viewBox || !path) throw new Error(`not an SVG drawn by qrcode: ${svg.slice(0, 120)}`);
  const modules = Number(viewBox[1]);
  const dark = new Set<number>();
  let x = 0;
  let y = 0;
  for (const [, op, a, b] of path[1]!.matchAll(/([MmHhVv])(-?[\d.]+)(?:\s+(-?[\d.]+))?/g)) {
    const n = Number(a);
    if (op === 'M') [x, y] = [n, Number(b)];
    else if (op === 'm') [x, y] = [x + n, y + Number(b)];
    else if (op === 'h') {
      for (let i = 0; i < n; i++) dark.add(Math.floor(y) * modules + x + i);
      x += n;
    } else throw new Error(`unexpected path command ${op}`);
  }
  const size = modules * pixelsPerModule;
  const data = new Uint8ClampedArray(size * size * 4).fill(255);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      if (!dark.has(Math.floor(py / pixelsPerModule) * modules + Math.floor(px / pixelsPerModule))) continue;
      const o = (py * size + px) * 4;
      data[o] = data[o + 1] = data[o + 2] = 0;
    }
  }
  const found = jsQR(data, size, size);
  if (!found) throw new Error('no QR code found in the SVG');
  return found.data;
}
