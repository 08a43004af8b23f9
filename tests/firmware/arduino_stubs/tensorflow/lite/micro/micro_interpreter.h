#pragma once
#include <stddef.h>
#include <stdint.h>
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"
#include "tensorflow/lite/schema/schema_generated.h"
typedef enum { kTfLiteFloat32 = 1, kTfLiteInt8 = 9 } TfLiteType;
typedef struct { int size; int data[8]; } TfLiteIntArray;
typedef union { int8_t *int8; float *f; void *raw; } TfLitePtrUnion;
typedef struct { TfLiteType type; TfLitePtrUnion data; TfLiteIntArray *dims; size_t bytes; } TfLiteTensor;
namespace tflite {
class MicroResourceVariables;
class MicroProfilerInterface;
class MicroInterpreter {
  public:
#ifdef TS_STUB_TFLM_ESP32_1_0_0
    /* TensorFlowLite_ESP32 1.0.0: the ErrorReporter is required. */
    MicroInterpreter(const Model *, const MicroOpResolver &, uint8_t *, size_t, ErrorReporter *,
                     MicroResourceVariables * = nullptr, void * = nullptr);
#else
    /* Upstream TFLM and Chirale 2.0.0: no ErrorReporter (the 5th argument is not one). */
    MicroInterpreter(const Model *, const MicroOpResolver &, uint8_t *, size_t,
                     MicroResourceVariables * = nullptr, MicroProfilerInterface * = nullptr,
                     bool = false);
#endif
    ~MicroInterpreter();
    TfLiteStatus AllocateTensors();
    TfLiteStatus Invoke();
    TfLiteTensor *input(size_t);
    TfLiteTensor *output(size_t);
    size_t arena_used_bytes() const;
};
}
