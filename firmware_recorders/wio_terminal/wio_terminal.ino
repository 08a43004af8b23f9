// TinyStudio recorder for the Seeed Wio Terminal: built-in LIS3DH accelerometer and the
// built-in analog microphone. Thin board file over the portable core and the TFLM glue.
// Not compiled in TinyStudio's CI: see README.md.

#include <Arduino.h>
#include <LIS3DHTR.h>
#include <TinyStudioRecorder.h>
#include <ts_tflm.h>

/* The TFLM glue's clock hook (it includes no Arduino header itself). */
static uint32_t clock_us(void) { return (uint32_t)micros(); }

enum { SENSOR_ACCEL = 0, SENSOR_MIC = 1 };
static const uint32_t ACCEL_PERIOD_US = 10000;  // 100 Hz
static const uint32_t MIC_PERIOD_US = 125;      // 8 kHz, paced in loop()

// LIS3DH at +-2 g; the library's floats are turned back into int16 with this scale.
static const ts_channel_info accel_ch[3] = {
    {"aX", "g", 2.0f / 32768}, {"aY", "g", 2.0f / 32768}, {"aZ", "g", 2.0f / 32768}};
// 12-bit ADC, centred and scaled to int16 (raw - 2048) * 16.
static const ts_channel_info mic_ch[1] = {{"mic", "", 1.0f / 32768}};
static const ts_sensor_info sensors[2] = {
    {SENSOR_ACCEL, TS_KIND_IMU, TS_I16, 3, 100.0f, "accel", accel_ch, 0, 0, 0},
    {SENSOR_MIC, TS_KIND_MICROPHONE, TS_I16, 1, 8000.0f, "mic", mic_ch, 0, 0, 0}};

#define SLOT_HALF (40u * 1024u)
#define ARENA_BYTES (48u * 1024u)
static const ts_device_info info = {"Seeed Wio Terminal", TS_FIRMWARE_VERSION, "wio_terminal",
                                    SLOT_HALF, ARENA_BYTES, TS_MAX_BODY, 2, sensors};

alignas(16) static uint8_t slot_mem[2 * SLOT_HALF];
alignas(16) static uint8_t arena[ARENA_BYTES];
static ts_device dev;
static ts_sampler accel_sampler, mic_sampler;
static uint8_t accel_buf[6 * 10];
static uint8_t mic_buf[2 * 64];
static LIS3DHTR<TwoWire> lis;
static uint32_t next_accel, next_mic;

static void hal_write(void *, const uint8_t *data, size_t n) { Serial.write(data, n); }

static uint8_t hal_enable(void *, uint8_t id, uint8_t on)
{
    if (on) (id == SENSOR_ACCEL ? next_accel : next_mic) = micros();
    return TS_OK;
}

static const ts_hal hal = {nullptr, hal_write, hal_enable, ts_tflm_load, ts_tflm_run_buffer, ts_tflm_run};

static int16_t to_i16(float g)
{
    return (int16_t)constrain(lroundf(g * 16384.0f), -32768L, 32767L);
}

void setup()
{
    Serial.begin(115200);  // native USB: the baud rate is ignored
    ts_device_init(&dev, &info, &hal, slot_mem, sizeof slot_mem);
    ts_tflm_begin(&dev, arena, sizeof arena, clock_us);
    ts_sampler_init(&accel_sampler, &dev, SENSOR_ACCEL, 6, accel_buf, sizeof accel_buf, 10);
    ts_sampler_init(&mic_sampler, &dev, SENSOR_MIC, 2, mic_buf, sizeof mic_buf, 64);
    ts_device_hello(&dev);
    lis.begin(Wire1);
    if (!lis) ts_device_error(&dev, 1, "LIS3DH accelerometer not found on Wire1");
    lis.setOutputDataRate(LIS3DHTR_DATARATE_100HZ);
    lis.setFullScaleRange(LIS3DHTR_RANGE_2G);
    analogReadResolution(12);
    pinMode(WIO_MIC, INPUT);
    next_accel = next_mic = micros();
}

void loop()
{
    uint8_t rx[64];
    int n;
    while ((n = Serial.available()) > 0) {
        n = Serial.readBytes(rx, n > (int)sizeof rx ? sizeof rx : n);
        ts_device_feed(&dev, rx, (size_t)n);
    }
    uint32_t now = micros();
    if ((int32_t)(now - next_mic) >= 0) {
        next_mic += MIC_PERIOD_US;
        int16_t v = (int16_t)((analogRead(WIO_MIC) - 2048) * 16);
        ts_sampler_push(&mic_sampler, &v);
        ts_tflm_push_i16(SENSOR_MIC, &v);
    }
    if ((int32_t)(now - next_accel) >= 0) {
        next_accel += ACCEL_PERIOD_US;
        int16_t s[3] = {to_i16(lis.getAccelerationX()), to_i16(lis.getAccelerationY()),
                        to_i16(lis.getAccelerationZ())};
        ts_sampler_push(&accel_sampler, s);
        ts_tflm_push_i16(SENSOR_ACCEL, s);
    }
}
