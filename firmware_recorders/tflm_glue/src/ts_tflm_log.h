/* TinyStudio recorder: TFLM's log text as protocol LOG frames.
 *
 * Why: TFLM reports "arena too small", "op not found" and the like through DebugLog, which
 * the Arduino libraries print with Serial.print -- onto the binary link, where the host
 * counts a framing error and the one message that says what went wrong is lost. The glue
 * routes DebugLog here instead (how, per library: docs/porting.md, "TFLM's log text"):
 * text arrives in pieces (TFLM prints a message and its newline in separate calls), is
 * collected into lines and each line goes out as one LOG frame. Portable C99, no
 * allocation; tested on the host (tests/firmware/test_tflm_log.py).
 */
#ifndef TS_TFLM_LOG_H
#define TS_TFLM_LOG_H

#include <TinyStudioRecorder.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest line sent as one LOG frame; longer text is sent in pieces of this size. */
#define TS_TFLM_LOG_LINE 160u

/* Where lines go (NULL: dropped -- never onto the link unframed) and at which level. */
void ts_tflm_log_begin(ts_device *dev, uint8_t level);
/* Any piece of TFLM's text; every complete line is sent as a LOG frame at once. */
void ts_tflm_log_text(const char *text);
/* Sends a pending partial line (the glue calls this after each TFLM call that may log). */
void ts_tflm_log_flush(void);
/* Number of LOG frames sent so far (the glue's tests count them). */
uint32_t ts_tflm_log_lines(void);

#ifdef __cplusplus
}
#endif
#endif
