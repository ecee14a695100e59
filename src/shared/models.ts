/** The model manifest (models/manifest.json) and what it says about each named model. */
import { z } from 'zod';
import manifestJson from '../../models/manifest.json';
import type { BlazeFaceOptions } from './blazeface';
import type { ModelListEntry } from './contracts/engine-api';

const BlazeFaceDecoderSpec = z.object({
  type: z.literal('blazeface'),
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

export const ManifestModel = z.object({
  name: z.string(),
  title: z.string(),
  package: z.string(),
  file: z.string(),
  license: z.string(),
  input: z.object({ width: z.number().int(), height: z.number().int(), channels: z.literal(3) }),
  normalization: z.object({ mean: z.number(), std: z.number(), range: z.tuple([z.number(), z.number()]) }),
  labels: z.array(z.string()),
  decoder: BlazeFaceDecoderSpec,
});
export type ManifestModel = z.infer<typeof ManifestModel>;

export const Manifest = z.object({ default: z.string(), models: z.array(ManifestModel) });
export type Manifest = z.infer<typeof Manifest>;

export const manifest: Manifest = Manifest.parse(manifestJson);
export const DEFAULT_MODEL = manifest.default;

export function findManifestModel(name: string): ManifestModel | undefined {
  return manifest.models.find((m) => m.name === name);
}

export function blazeFaceOptions(model: ManifestModel): BlazeFaceOptions {
  const d = model.decoder;
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
  };
}

export function listManifestModels(): ModelListEntry[] {
  return manifest.models.map((m) => ({
    name: m.name,
    title: m.title,
    inputWidth: m.input.width,
    inputHeight: m.input.height,
    decoder: m.decoder.type,
  }));
}
