/* TinyStudio recorder: THE list of TensorFlow Lite ops the board firmware registers.
 *
 * Why one table: TFLM only runs a model whose every op is in the MicroMutableOpResolver,
 * and nothing on the host used to know which ops that was -- the default gesture model
 * needed EXPAND_DIMS (Keras Conv1D = EXPAND_DIMS + CONV_2D) and no board could load it.
 * This X-macro table is read by three parties, so they cannot drift apart:
 *   - ts_tflm.cpp registers exactly these ops (X -> g_resolver.Method()),
 *   - ts_tflm_check.c refuses a model needing any other op before TFLM sees it,
 *   - tinystudio/ml/op_contract.py parses this file and checks every model at training
 *     time (`train --board`) and in CI (tests/firmware/test_mcu_op_contract.py).
 * Columns: op name (schema BuiltinOperator), its builtin code, the resolver method.
 * One line per op, nothing else in the macro: the host parses it with a regex.
 * Adding an op costs flash on every board (its kernel is linked); add what models use.
 */
#ifndef TS_TFLM_OPS_H
#define TS_TFLM_OPS_H

#define TS_TFLM_OPS(X) \
    X(ADD, 0, AddAdd) \
    X(AVERAGE_POOL_2D, 1, AddAveragePool2D) \
    X(CONCATENATION, 2, AddConcatenation) \
    X(CONV_2D, 3, AddConv2D) \
    X(DEPTHWISE_CONV_2D, 4, AddDepthwiseConv2D) \
    X(DEQUANTIZE, 6, AddDequantize) \
    X(FULLY_CONNECTED, 9, AddFullyConnected) \
    X(LOGISTIC, 14, AddLogistic) \
    X(MAX_POOL_2D, 17, AddMaxPool2D) \
    X(MUL, 18, AddMul) \
    X(RELU, 19, AddRelu) \
    X(RELU6, 21, AddRelu6) \
    X(RESHAPE, 22, AddReshape) \
    X(SOFTMAX, 25, AddSoftmax) \
    X(PAD, 34, AddPad) \
    X(MEAN, 40, AddMean) \
    X(SUB, 41, AddSub) \
    X(SQUEEZE, 43, AddSqueeze) \
    X(STRIDED_SLICE, 45, AddStridedSlice) \
    X(MAXIMUM, 55, AddMaximum) \
    X(MINIMUM, 57, AddMinimum) \
    X(NEG, 59, AddNeg) \
    X(EXPAND_DIMS, 70, AddExpandDims) \
    X(SUM, 74, AddSum) \
    X(SQRT, 75, AddSqrt) \
    X(RSQRT, 76, AddRsqrt) \
    X(SHAPE, 77, AddShape) \
    X(REDUCE_MAX, 82, AddReduceMax) \
    X(PACK, 83, AddPack) \
    X(SQUARED_DIFFERENCE, 99, AddSquaredDifference) \
    X(ABS, 101, AddAbs) \
    X(QUANTIZE, 114, AddQuantize)

#define TS_TFLM_OP_COUNT_ONE_(name, code, method) +1
enum { TS_TFLM_N_OPS = 0 TS_TFLM_OPS(TS_TFLM_OP_COUNT_ONE_) };

#endif
