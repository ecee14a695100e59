/**
 * The real-time bench's scene, made at run time with the engine's ffmpeg: a mostly still picture
 * (the rocket fixture, cropped to 1280x720) with a person (the astronaut fixture, 60 % of the
 * frame's height) walking across it once per clip, moved by ffmpeg's overlay filter. A little
 * temporal noise, as a camera's sensor has, so the still part is not a run of skipped blocks that
 * costs nothing to decode. H.264 High at about 2 Mbit/s, a keyframe every 2 s, no B-frames: what a
 * 720p IP camera sends. Looped by the camera, the person passes once every `seconds`.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { TEST_FIXTURES } from '../../test/support/clips';

export interface SceneClipOptions {
  /** Length of one loop of the clip. */
  seconds: number;
  /** When in the loop the person enters, and how long the walk across takes. */
  passAt: number;
  passSeconds: number;
  width: number;
  height: number;
  fps: number;
}

export const DEFAULT_SCENE: SceneClipOptions = { seconds: 20, passAt: 12, passSeconds: 4, width: 1280, height: 720, fps: 15 };

/** Share of the loop in which the person is in the picture. */
export function passingShare(o: SceneClipOptions): number {
  return o.passSeconds / o.seconds;
}

export function makeSceneClip(ffmpegPath: string, dir: string, o: SceneClipOptions = DEFAULT_SCENE): string {
  if (o.passAt + o.passSeconds > o.seconds) throw new Error('the person must have left before the clip ends');
  const out = path.join(dir, `scene-${o.width}x${o.height}-${o.fps}fps.mp4`);
  const personHeight = 2 * Math.round((o.height * 0.6) / 2);
  // x walks from just left of the frame to just right of it while t is in the pass, else off to the right.
  const x = `if(between(t,${o.passAt},${o.passAt + o.passSeconds}),-w+(W+w)*(t-${o.passAt})/${o.passSeconds},W)`;
  const graph =
    `[0:v]scale=${o.width}:${o.height}:force_original_aspect_ratio=increase,crop=${o.width}:${o.height},setsar=1[bg];` +
    `[1:v]scale=-2:${personHeight},format=rgba[person];` +
    `[bg][person]overlay=x='${x}':y=H-h:eval=frame:shortest=1,noise=alls=2:allf=t,format=yuv420p[v]`;
  execFileSync(
    ffmpegPath,
    [
      '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
      '-loop', '1', '-framerate', String(o.fps), '-i', path.join(TEST_FIXTURES, 'rocket.jpg'),
      '-loop', '1', '-framerate', String(o.fps), '-i', path.join(TEST_FIXTURES, 'astronaut.png'),
      '-filter_complex', graph, '-map', '[v]', '-t', String(o.seconds), '-r', String(o.fps),
      '-c:v', 'libx264', '-preset', 'superfast', '-profile:v', 'high', '-b:v', '2M', '-maxrate', '2M', '-bufsize', '2M',
      '-g', String(2 * o.fps), '-bf', '0', '-an', out,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 },
  );
  return out;
}
