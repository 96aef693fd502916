import { randomBytes } from 'node:crypto';
import { PNG } from 'pngjs';

/** A real PNG of the given size: a gradient, or random pixels (which do not compress: large files). */
export function png(width: number, height: number, noise = false): Buffer {
  const image = new PNG({ width, height });
  const random = noise ? randomBytes(width * height * 4) : undefined;
  for (let i = 0; i < width * height; i += 1) {
    image.data[i * 4] = random ? random[i * 4]! : (i * 7) % 256;
    image.data[i * 4 + 1] = random ? random[i * 4 + 1]! : 91;
    image.data[i * 4 + 2] = random ? random[i * 4 + 2]! : 36;
    image.data[i * 4 + 3] = 255;
  }
  return PNG.sync.write(image);
}

/** A real 24-bit BMP (a format the API refuses). */
export function bmp(width: number, height: number): Buffer {
  const row = Math.ceil((width * 3) / 4) * 4;
  const size = 54 + row * height;
  const b = Buffer.alloc(size);
  b.write('BM', 0);
  b.writeUInt32LE(size, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(width, 18);
  b.writeInt32LE(height, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  b.writeUInt32LE(row * height, 34);
  b.fill(0x80, 54);
  return b;
}
