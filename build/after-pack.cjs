/**
 * electron-builder afterPack hook: flips Electron's fuses on the packaged executable, before it is
 * signed and wrapped into an installer.
 *
 *   RunAsNode                             off  ELECTRON_RUN_AS_NODE cannot turn the app into node
 *   EnableCookieEncryption                on   cookies on disk are encrypted with the OS keystore
 *   EnableNodeOptionsEnvironmentVariable  off  NODE_OPTIONS is ignored
 *   EnableNodeCliInspectArguments         off  --inspect and friends are ignored
 *
 * Camera workers are utility processes (utilityProcess.fork), which need none of the above.
 *
 * Exception for test builds: Playwright's Electron launcher attaches through --inspect, so a build
 * made for end-to-end tests sets MULTICAM_TEST_BUILD=1 to leave EnableNodeCliInspectArguments on.
 * Never ship such a build.
 */
const path = require('node:path');

module.exports = async function afterPack(context) {
  const { flipFuses, FuseVersion, FuseV1Options } = await import('@electron/fuses');
  const platform = context.electronPlatformName;
  const productFilename = context.packager.appInfo.productFilename;
  let executable;
  if (platform === 'darwin' || platform === 'mas') executable = path.join(context.appOutDir, `${productFilename}.app`);
  else if (platform === 'win32') executable = path.join(context.appOutDir, `${productFilename}.exe`);
  else executable = path.join(context.appOutDir, context.packager.executableName);

  const testBuild = process.env.MULTICAM_TEST_BUILD === '1';
  if (testBuild) console.warn('after-pack: MULTICAM_TEST_BUILD=1: leaving EnableNodeCliInspectArguments on (test build, do not ship)');

  await flipFuses(executable, {
    version: FuseVersion.V1,
    // Re-sign ad hoc after flipping, or Apple Silicon refuses to run an unsigned modified binary.
    resetAdHocDarwinSignature: platform === 'darwin' && (context.arch === 3 || context.arch === 4) /* Arch.arm64, Arch.universal */,
    [FuseV1Options.RunAsNode]: false,
    [FuseV1Options.EnableCookieEncryption]: true,
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: testBuild,
  });
  console.log(`after-pack: fuses flipped on ${executable}`);
};
