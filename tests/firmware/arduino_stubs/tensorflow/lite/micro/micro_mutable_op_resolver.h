#pragma once
typedef enum { kTfLiteOk = 0, kTfLiteError = 1 } TfLiteStatus;
namespace tflite {
struct MicroOpResolver {};
template <unsigned N> struct MicroMutableOpResolver : MicroOpResolver {
    TfLiteStatus AddConv2D(); TfLiteStatus AddDepthwiseConv2D(); TfLiteStatus AddFullyConnected();
    TfLiteStatus AddReshape(); TfLiteStatus AddSoftmax(); TfLiteStatus AddMaxPool2D();
    TfLiteStatus AddAveragePool2D(); TfLiteStatus AddMean(); TfLiteStatus AddAdd();
    TfLiteStatus AddMul(); TfLiteStatus AddQuantize(); TfLiteStatus AddDequantize();
};
}
