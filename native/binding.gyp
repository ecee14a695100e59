# Builds the XNNPACK external-delegate plugin (xnnpack_plugin.c) with the toolchain node-gyp
# uses, linked against the TF Lite C library that tfjs-tflite-node ships.
{
  'variables': {
    'tflite_dir': '<(module_root_dir)/../node_modules/tfjs-tflite-node',
  },
  'targets': [{
    'target_name': 'xnnpack_delegate',
    'type': 'shared_library',
    'product_prefix': '',
    'sources': ['xnnpack_plugin.c'],
    'include_dirs': ['<(tflite_dir)/cc_deps/include'],
    'cflags': ['-fvisibility=hidden', '-O2'],
    'conditions': [
      ['OS=="linux" and target_arch=="x64"', {
        'libraries': [
          '<(tflite_dir)/cc_deps/linux_amd64/libtensorflowlite_c.so',
          "-Wl,-rpath,'$$ORIGIN/../../../node_modules/tfjs-tflite-node/cc_deps/linux_amd64'",
        ],
      }],
      ['OS=="linux" and target_arch=="arm64"', {
        'libraries': [
          '<(tflite_dir)/cc_deps/linux_arm64/libtensorflowlite_c.so',
          "-Wl,-rpath,'$$ORIGIN/../../../node_modules/tfjs-tflite-node/cc_deps/linux_arm64'",
        ],
      }],
      ['OS=="mac"', {
        'libraries': ['<(tflite_dir)/cc_deps/darwin_arm64/libtensorflowlite_c.dylib'],
        'xcode_settings': { 'OTHER_LDFLAGS': ['-Wl,-rpath,@loader_path/../../../node_modules/tfjs-tflite-node/cc_deps/darwin_arm64'] },
      }],
      ['OS=="win"', {
        'libraries': ['<(tflite_dir)/cc_deps/windows_amd64/tensorflowlite_c.dll.if.lib'],
      }],
    ],
  }],
}
