#pragma once
#include "tensorflow/lite/micro/micro_error_reporter.h"
typedef enum { kTfLiteOk = 0, kTfLiteError = 1 } TfLiteStatus;
namespace tflite {
struct MicroOpResolver {};
/* The Add* methods of TFLM's MicroMutableOpResolver for the ops in
 * firmware_recorders/tflm_glue/src/ts_tflm_ops.h (names as in TFLM's
 * micro_mutable_op_resolver.h); an op added to the table needs its method here.
 * The constructor is user-provided, as TFLM's is: a global resolver would need a static
 * constructor (test_sketches.py checks the glue's object has none). */
template <unsigned N> struct MicroMutableOpResolver : MicroOpResolver {
#ifdef TS_STUB_TFLM_ESP32_1_0_0
    explicit MicroMutableOpResolver(ErrorReporter *error_reporter = nullptr);
#else
    explicit MicroMutableOpResolver();
    TfLiteStatus AddSum(); TfLiteStatus AddSquaredDifference();
#endif
    TfLiteStatus AddAbs(); TfLiteStatus AddAdd(); TfLiteStatus AddAveragePool2D();
    TfLiteStatus AddConcatenation(); TfLiteStatus AddConv2D(); TfLiteStatus AddDepthwiseConv2D();
    TfLiteStatus AddDequantize(); TfLiteStatus AddExpandDims(); TfLiteStatus AddFullyConnected();
    TfLiteStatus AddLogistic(); TfLiteStatus AddMaxPool2D(); TfLiteStatus AddMaximum();
    TfLiteStatus AddMean(); TfLiteStatus AddMinimum(); TfLiteStatus AddMul(); TfLiteStatus AddNeg();
    TfLiteStatus AddPack(); TfLiteStatus AddPad(); TfLiteStatus AddQuantize(); TfLiteStatus AddReduceMax();
    TfLiteStatus AddRelu(); TfLiteStatus AddRelu6(); TfLiteStatus AddReshape(); TfLiteStatus AddRsqrt();
    TfLiteStatus AddShape();
    TfLiteStatus AddSoftmax(); TfLiteStatus AddSqrt();
    TfLiteStatus AddSqueeze(); TfLiteStatus AddStridedSlice(); TfLiteStatus AddSub();
};
}
