/** The model manifest (models/manifest.json) and what it says about each named model. */
import { z } from 'zod';
import manifestJson from '../../models/manifest.json';
import type { ModelListEntry } from './contracts/engine-api';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 is 64 lowercase hex digits');

/** Where a file sits inside a package's packed assets: the loader script lists its byte range. */
const Packed = z.object({ data: z.string(), loader: z.string(), member: z.string().startsWith('/') });

/** A file from an npm package, plain or packed, pinned by its sha256. */
export const Asset = z.object({ package: z.string(), file: z.string().regex(/^[\w.-]+$/), packed: Packed.optional(), sha256: Sha256 });
export type Asset = z.infer<typeof Asset>;

const Size = z.object({ width: z.number().int().positive(), height: z.number().int().positive() });
const Input = Size.extend({ channels: z.literal(3) });
const Normalization = z.object({ mean: z.number(), std: z.number().positive(), range: z.tuple([z.number(), z.number()]) });
export type Normalization = z.infer<typeof Normalization>;

const BlazeFaceDecoderSpec = z.object({
  type: z.literal('blazeface'),
  label: z.string().default('face'),
  numLayers: z.number().int().positive(),
  strides: z.array(z.number().int().positive()),
  anchorsPerLayer: z.number().int().positive(),
  anchorOffset: z.number(),
  fixedAnchorSize: z.literal(true),
  numBoxes: z.number().int().positive(),
  numCoords: z.number().int().positive(),
  numKeypoints: z.number().int().nonnegative(),
  scale: z.number().positive(),
  scoreClip: z.number().positive(),
  scoreThreshold: z.number().min(0).max(1),
  nmsIou: z.number().min(0).max(1),
});

/** MediaPipe's SsdAnchorsCalculatorOptions. */
export const SsdAnchorSpec = z.object({
  numLayers: z.number().int().positive(),
  minScale: z.number().positive(),
  maxScale: z.number().positive(),
  strides: z.array(z.number().int().positive()),
  aspectRatios: z.array(z.number().positive()).min(1),
  anchorOffset: z.number(),
  reduceBoxesInLowestLayer: z.boolean(),
  interpolatedScaleAspectRatio: z.number(),
  fixedAnchorSize: z.boolean(),
});
export type SsdAnchorSpec = z.infer<typeof SsdAnchorSpec>;

/** SSD anchors, then MediaPipe's TensorsToDetectionsCalculatorOptions and a per-class NMS. */
export const SsdDecoderSpec = z.object({
  type: z.literal('ssd'),
  anchors: SsdAnchorSpec,
  numBoxes: z.number().int().positive(),
  numClasses: z.number().int().positive(),
  numCoords: z.literal(4),
  ignoreClasses: z.array(z.number().int().nonnegative()),
  sigmoidScore: z.boolean(),
  applyExponentialOnBoxSize: z.boolean(),
  xScale: z.number().positive(),
  yScale: z.number().positive(),
  hScale: z.number().positive(),
  wScale: z.number().positive(),
  scoreThreshold: z.number().min(0).max(1),
  nmsIou: z.number().min(0).max(1),
  maxDetections: z.number().int().positive(),
});
export type SsdDecoderSpec = z.infer<typeof SsdDecoderSpec>;

/** Second stage: a region of interest from each detection, cropped, rotated, and its landmarks. */
export const LandmarkDecoderSpec = z.object({
  type: z.enum(['face-mesh', 'pose-landmarks']),
  numLandmarks: z.number().int().positive(),
  valuesPerLandmark: z.number().int().min(2),
  /** DetectionsToRectsCalculator: the rotation that brings start->end keypoints to the target angle. */
  rotation: z.object({ startKeypoint: z.number().int().nonnegative(), endKeypoint: z.number().int().nonnegative(), targetDegrees: z.number() }),
  /** 'box': the detection's box; 'keypoints': AlignmentPointsRectsCalculator (centre start, size 2x start-end). */
  alignment: z.enum(['box', 'keypoints']),
  /** RectTransformationCalculator scale_x = scale_y, with square_long. */
  scale: z.number().positive(),
  presenceThreshold: z.number().min(0).max(1),
  presenceSigmoid: z.boolean(),
});
export type LandmarkDecoderSpec = z.infer<typeof LandmarkDecoderSpec>;

export const LandmarkStage = Asset.extend({
  graph: z.string(),
  input: Input,
  normalization: Normalization,
  decoder: LandmarkDecoderSpec,
  /** At most this many detections a frame go through the landmark model. */
  maxCrops: z.number().int().positive().default(2),
});
export type LandmarkStage = z.infer<typeof LandmarkStage>;

export const ManifestModel = Asset.extend({
  name: z.string(),
  title: z.string(),
  recognises: z.string(),
  license: z.string(),
  graph: z.string(),
  /** Frame size the worker takes when it differs from the detector's input (two-stage models crop from it). */
  frame: Size.optional(),
  input: Input,
  normalization: Normalization,
  labels: z.array(z.string()),
  /** A label map file (one label a line, line n is class n), when the labels are not listed here. */
  labelMap: Asset.omit({ package: true }).optional(),
  /** Labels kept unless a camera chooses others. */
  defaultLabels: z.array(z.string()).optional(),
  decoder: z.discriminatedUnion('type', [BlazeFaceDecoderSpec, SsdDecoderSpec]),
  /** The score (median of a track's recent scores, or its best such median) a track must reach to make an event; absent: none. */
  eventThreshold: z.number().min(0).max(1).optional(),
  landmarks: LandmarkStage.optional(),
});
export type ManifestModel = z.infer<typeof ManifestModel>;

export const Manifest = z.object({ default: z.string(), models: z.array(ManifestModel) });
export type Manifest = z.infer<typeof Manifest>;

export const manifest: Manifest = Manifest.parse(manifestJson);
export const DEFAULT_MODEL = manifest.default;

export function findManifestModel(name: string): ManifestModel | undefined {
  return manifest.models.find((m) => m.name === name);
}

export function modelNames(): string[] {
  return manifest.models.map((m) => m.name);
}

export interface BlazeFaceOptions {
  inputWidth: number;
  inputHeight: number;
  /** Strides of the SSD layers; consecutive layers with the same stride share one grid. */
  strides: number[];
  anchorsPerLayer: number;
  anchorOffset: number;
  numBoxes: number;
  numCoords: number;
  numKeypoints: number;
  /** Box and keypoint offsets are in input pixels: divide by this. */
  scale: number;
  scoreClip: number;
  scoreThreshold: number;
  nmsIou: number;
  /** The label every detection carries: 'face' for BlazeFace, 'person' for the pose detector. */
  label?: string;
}

/** The frame size a worker running this model takes. */
export function frameSize(model: ManifestModel): { width: number; height: number } {
  return model.frame ?? { width: model.input.width, height: model.input.height };
}

export function blazeFaceOptions(model: ManifestModel): BlazeFaceOptions {
  const d = model.decoder;
  if (d.type !== 'blazeface') throw new Error(`${model.name} does not use the BlazeFace decoder`);
  if (d.strides.length !== d.numLayers) throw new Error(`${model.name}: ${d.numLayers} layers but ${d.strides.length} strides`);
  return {
    inputWidth: model.input.width,
    inputHeight: model.input.height,
    strides: d.strides,
    anchorsPerLayer: d.anchorsPerLayer,
    anchorOffset: d.anchorOffset,
    numBoxes: d.numBoxes,
    numCoords: d.numCoords,
    numKeypoints: d.numKeypoints,
    scale: d.scale,
    scoreClip: d.scoreClip,
    scoreThreshold: d.scoreThreshold,
    nmsIou: d.nmsIou,
    label: d.label,
  };
}

export function listManifestModels(): ModelListEntry[] {
  return manifest.models.map((m) => {
    const frame = frameSize(m);
    return {
      name: m.name,
      title: m.title,
      inputWidth: frame.width,
      inputHeight: frame.height,
      decoder: m.decoder.type,
      recognises: m.recognises,
      labels: m.labels,
      defaultLabels: m.defaultLabels,
      stages: m.landmarks ? 2 : 1,
    };
  });
}
