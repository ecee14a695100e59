/**
 * A spec file's RTSP camera: the face clip served by a real RTSP server on 127.0.0.1 that asks for
 * a user and password, started before the file's tests and ended after them, once the file's serve
 * mode (whose cameras read it) has gone.
 */
import { resolveFfmpeg } from '../../src/node/ffmpeg-binary';
import { makeClipFolder, type ClipFolder } from '../../test/support/clips';
import { RtspTestServer } from '../../test/support/rtsp-server';
import { test } from './fixtures';

export interface RtspCamera {
  ffmpeg: ReturnType<typeof resolveFfmpeg>;
  /** Set once the file's first test starts. */
  clips: ClipFolder;
  rtsp: RtspTestServer;
}

export function useRtspCamera(credentials: { user: string; pass: string }): RtspCamera {
  const camera = { ffmpeg: resolveFfmpeg() } as RtspCamera;
  test.beforeAll(async () => {
    camera.clips = makeClipFolder(camera.ffmpeg.path);
    camera.rtsp = new RtspTestServer({ ffmpegPath: camera.ffmpeg.path, clip: camera.clips.faceMp4, credentials });
    await camera.rtsp.start();
  });
  test.afterAll(async ({ perFile }) => {
    // Serve mode's cameras read the RTSP server and the clip: end it before them.
    await perFile.release();
    await camera.rtsp?.stop();
    camera.clips?.remove();
  });
  return camera;
}
