/* TinyStudio recorder core: include this one header from a board sketch.
 * Portable C99, no allocation, no board headers; see docs/porting.md. */
#ifndef TINYSTUDIO_RECORDER_H
#define TINYSTUDIO_RECORDER_H
#include "ts_wire.h"
#include "ts_messages.h"
#include "ts_model_slot.h"
#include "ts_device.h"
#include "ts_window.h"
#define TS_FIRMWARE_VERSION "tinystudio-recorder 0.1.0"
#endif
