#pragma once
#include <stdarg.h>
/* tensorflow/lite/core/api/error_reporter.h (TensorFlowLite_ESP32 1.0.0). */
namespace tflite {
class ErrorReporter {
  public:
    virtual ~ErrorReporter() {}
    virtual int Report(const char *format, va_list args) = 0;
};
}
