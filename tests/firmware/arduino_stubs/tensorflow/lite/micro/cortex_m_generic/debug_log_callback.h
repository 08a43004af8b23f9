#pragma once
/* Upstream TFLM, TARGET=cortex_m_generic: tensorflow/lite/micro/cortex_m_generic/debug_log_callback.h */
#ifdef __cplusplus
extern "C" {
#endif
typedef void (*DebugLogCallback)(const char *s);
void RegisterDebugLogCallback(DebugLogCallback callback);
#ifdef __cplusplus
}
#endif
