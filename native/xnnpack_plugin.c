/*
 * External-delegate plugin that switches on XNNPACK inside the TF Lite 2.9 C library
 * shipped by tfjs-tflite-node.
 *
 * That library exports TfLiteXNNPackDelegateCreate but never applies it by itself, and
 * tfjs-tflite-node can only add a delegate by dlopen()ing a plugin: a shared library with
 * the two tflite_plugin_* entry points below. So this file is the whole bridge.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tensorflow/lite/c/common.h"

/* Layout of TfLiteXNNPackDelegateOptions in TF Lite 2.9 (the struct is passed by value, so it
 * must match the library exactly; the header is not shipped with tfjs-tflite-node). */
typedef struct TfLiteXNNPackDelegateWeightsCache TfLiteXNNPackDelegateWeightsCache;
typedef struct {
  int32_t num_threads;
  uint32_t flags;
  TfLiteXNNPackDelegateWeightsCache *weights_cache;
} TfLiteXNNPackDelegateOptions;

extern TfLiteXNNPackDelegateOptions TfLiteXNNPackDelegateOptionsDefault(void);
extern TfLiteDelegate *TfLiteXNNPackDelegateCreate(const TfLiteXNNPackDelegateOptions *options);
extern void TfLiteXNNPackDelegateDelete(TfLiteDelegate *delegate);

#if defined(_WIN32)
#define PLUGIN_EXPORT __declspec(dllexport)
#else
#define PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

static void report(void (*report_error)(const char *), const char *message) {
  if (report_error != NULL) report_error(message);
}

/* Options understood: num_threads (integer >= 0; 0 or 1 means no thread pool). */
PLUGIN_EXPORT TfLiteDelegate *tflite_plugin_create_delegate(char **keys, char **values, size_t count,
                                                            void (*report_error)(const char *)) {
  TfLiteXNNPackDelegateOptions options = TfLiteXNNPackDelegateOptionsDefault();
  options.num_threads = 0;
  for (size_t i = 0; i < count; i++) {
    if (strcmp(keys[i], "num_threads") == 0) {
      char *end = NULL;
      long threads = strtol(values[i], &end, 10);
      if (end == values[i] || *end != '\0' || threads < 0 || threads > 256) {
        report(report_error, "xnnpack plugin: num_threads must be an integer from 0 to 256");
        return NULL;
      }
      /* As TF Lite does itself: a single thread runs without a pool. */
      options.num_threads = threads > 1 ? (int32_t)threads : 0;
    } else {
      char message[160];
      snprintf(message, sizeof message, "xnnpack plugin: unknown option '%.100s'", keys[i]);
      report(report_error, message);
      return NULL;
    }
  }
  return TfLiteXNNPackDelegateCreate(&options);
}

PLUGIN_EXPORT void tflite_plugin_destroy_delegate(TfLiteDelegate *delegate) {
  if (delegate != NULL) TfLiteXNNPackDelegateDelete(delegate);
}
