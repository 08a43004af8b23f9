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
 *
 * One table per TFLM library: a library may lack some of these ops (no resolver method,
 * no kernel). TS_TFLM_LIBRARY_LACKS lists them per library; the glue leaves them out when
 * built with that library (and fails to build if the list is wrong: ts_tflm.cpp checks
 * every row against the resolver it compiles against), ts_tflm_check.c refuses them, and
 * the host (op_contract.py, boards.json "tflm_library") refuses them for boards whose
 * sketch is built with that library. Library ids:
 *   upstream -- a tflite-micro checkout (the emulated board, any port built with make)
 *   chirale  -- the Arduino library Chirale_TensorFlowLite 2.0.0
 *   esp32    -- the Arduino library TensorFlowLite_ESP32 1.0.0
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

/* Rows: library id, op name (as in TS_TFLM_OPS). One line per row, parsed by the host. */
#define TS_TFLM_LIBRARY_LACKS(X) \
    X(esp32, SUM) \
    X(esp32, SQUARED_DIFFERENCE)

/* The library this build links: ESP32 sketches without -DTS_TFLM_CHIRALE use
 * TensorFlowLite_ESP32, other Arduino builds Chirale, everything else a TFLM checkout. */
#if defined(ARDUINO) && defined(ARDUINO_ARCH_ESP32) && !defined(TS_TFLM_CHIRALE)
#define TS_TFLM_LIBRARY_ID esp32
#define TS_TFLM_LIB_IS_ESP32 1
#define TS_TFLM_LIBRARY_NAME "TensorFlowLite_ESP32 1.0.0"
#elif defined(ARDUINO)
#define TS_TFLM_LIBRARY_ID chirale
#define TS_TFLM_LIB_IS_CHIRALE 1
#define TS_TFLM_LIBRARY_NAME "Chirale_TensorFlowLite 2.0.0"
#else
#define TS_TFLM_LIBRARY_ID upstream
#define TS_TFLM_LIB_IS_UPSTREAM 1
#define TS_TFLM_LIBRARY_NAME "TensorFlow Lite Micro"
#endif

/* Constants for C and C++: TS_OP_<name> = builtin code, TS_LIB_<id>, TS_LIB_CURRENT
 * (enums: for #if use TS_TFLM_LIB_IS_ESP32 / _CHIRALE / _UPSTREAM). */
#define TS_TFLM_OP_ENUM_(name, code, method) TS_OP_##name = code,
enum { TS_TFLM_OPS(TS_TFLM_OP_ENUM_) TS_OP_END_ = -1 };
enum { TS_LIB_upstream = 0, TS_LIB_chirale = 1, TS_LIB_esp32 = 2 };
#define TS_TFLM_LIB_PASTE_(id) TS_LIB_##id
#define TS_TFLM_LIB_(id) TS_TFLM_LIB_PASTE_(id)
#define TS_LIB_CURRENT TS_TFLM_LIB_(TS_TFLM_LIBRARY_ID)

#define TS_TFLM_OP_COUNT_ONE_(name, code, method) +1
enum { TS_TFLM_N_OPS = 0 TS_TFLM_OPS(TS_TFLM_OP_COUNT_ONE_) };

#endif
