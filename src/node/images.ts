/** Decodes PNG and JPEG files (pngjs, jpeg-js) and letterboxes them into model-sized frames. */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { letterboxRgb } from '../shared/letterbox';
import type { Letterbox } from '../shared/contracts/frames';

export interface DecodedImage {
  width: number;
  height: number;
  /** RGBA, 4 bytes a pixel. */
  rgba: Uint8Array;
}

/** Largest picture decoded: its size is read from the header first, so a huge one costs nothing. */
export const MAX_IMAGE_SIDE = 16384;
export const MAX_IMAGE_PIXELS = 40_000_000;
const MAX_IMAGE_FILE_BYTES = 256 * 1024 * 1024;

/** A picture that cannot be used, with a message meant for the user (the caller names the file). */
export class ImageError extends Error {}
/** A picture whose header declares more pixels than the limits: refused before decoding. */
export class ImageTooLarge extends ImageError {}

function readImageFile(file: string): Buffer {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ImageError(code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : `cannot open it (${code ?? 'error'})`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new ImageError('it is a directory, not an image file');
    if (!st.isFile()) throw new ImageError('not a regular file');
    if (st.size > MAX_IMAGE_FILE_BYTES) throw new ImageError(`larger than ${MAX_IMAGE_FILE_BYTES / 1048576} MB`);
    const bytes = Buffer.alloc(st.size);
    let done = 0;
    while (done < bytes.length) {
      const n = readSync(fd, bytes, done, bytes.length - done, done);
      if (n <= 0) break;
      done += n;
    }
    return bytes.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

/** Width and height from a JPEG's first start-of-frame marker, or null if none is found. */
function jpegSize(bytes: Buffer): { width: number; height: number } | null {
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    const length = bytes.readUInt16BE(i + 2);
    // SOF0..SOF15 except DHT (c4), JPG (c8) and DAC (cc).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: bytes.readUInt16BE(i + 5), width: bytes.readUInt16BE(i + 7) };
    }
    i += 2 + length;
  }
  return null;
}

export interface ImageLimits {
  side: number;
  pixels: number;
}

const FILE_LIMITS: ImageLimits = { side: MAX_IMAGE_SIDE, pixels: MAX_IMAGE_PIXELS };

/** Throws ImageError unless width x height is within the limits (a file's, by default). */
export function checkImageSize(width: number, height: number, limits: ImageLimits = FILE_LIMITS): void {
  if (width < 1 || height < 1) throw new ImageError(`the header gives a size of ${width}x${height}`);
  if (width > limits.side || height > limits.side || width * height > limits.pixels) {
    throw new ImageTooLarge(`the picture is ${width}x${height}; at most ${limits.side} pixels a side and ${Math.round(limits.pixels / 1e5) / 10} megapixels are accepted`);
  }
}

const isPng = (bytes: Buffer) => bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47;
const isJpeg = (bytes: Buffer) => bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;

/**
 * The size a PNG or JPEG declares in its header, read without decoding anything, so a picture can
 * be refused before a decoder allocates its pixels. Throws ImageError when there is no such header.
 */
export function imageHeaderSize(data: Uint8Array): { format: 'png' | 'jpeg'; width: number; height: number } {
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (isPng(bytes)) {
    // IHDR is the first chunk: width and height at bytes 16 and 20.
    if (bytes.length < 33 || bytes.toString('latin1', 12, 16) !== 'IHDR') throw new ImageError('the PNG file is truncated or damaged');
    return { format: 'png', width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (isJpeg(bytes)) {
    const size = jpegSize(bytes);
    if (!size) throw new ImageError('the JPEG file is truncated or damaged');
    return { format: 'jpeg', ...size };
  }
  throw new ImageError('neither a PNG nor a JPEG file');
}

/** Reads and decodes a PNG or JPEG file. Throws ImageError with a one-line reason. */
export function decodeImage(file: string): DecodedImage {
  const bytes = readImageFile(file);
  const header = imageHeaderSize(bytes);
  checkImageSize(header.width, header.height);
  if (header.format === 'png') {
    let png;
    try {
      png = PNG.sync.read(bytes);
    } catch {
      throw new ImageError('the PNG file is truncated or damaged');
    }
    return { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
  }
  let img;
  try {
    img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
  } catch {
    throw new ImageError('the JPEG file is truncated or damaged');
  }
  return { width: img.width, height: img.height, rgba: img.data };
}

export interface ModelFrame {
  data: Uint8Array;
  width: number;
  height: number;
  letterbox: Letterbox;
  sourceWidth: number;
  sourceHeight: number;
}

/** A decoded picture as a frame for a model of the given input size. */
export function toModelFrame(image: DecodedImage, inputWidth: number, inputHeight: number): ModelFrame {
  const { data, letterbox } = letterboxRgb(image.rgba, image.width, image.height, 4, inputWidth, inputHeight);
  return { data, width: inputWidth, height: inputHeight, letterbox, sourceWidth: image.width, sourceHeight: image.height };
}
