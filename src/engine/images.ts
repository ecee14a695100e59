/** Decodes PNG and JPEG files (pngjs, jpeg-js) and letterboxes them into model-sized frames. */
import { readFileSync } from 'node:fs';
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

export function decodeImage(file: string): DecodedImage {
  const bytes = readFileSync(file);
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47) {
    const png = PNG.sync.read(bytes);
    return { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
    return { width: img.width, height: img.height, rgba: img.data };
  }
  throw new Error(`${file} is neither a PNG nor a JPEG file`);
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
