// TinyStudio recorder for the Arduino Nano 33 BLE Sense (Rev1 and Rev2).
//
// Thin board file: sensor reads and the ts_hal; framing, HELLO, model slot, RUN_INPUT
// and windowing live in the portable core (firmware_recorders/common), the TFLM half in
// firmware_recorders/tflm_glue. The IMU is detected at run time: Rev1 has an LSM9DS1
// (read here by register, I2C 0x6B), Rev2 a BMI270/BMM150 (Arduino_BMI270_BMM150
// library). Both libraries define a global `IMU`, so only the Rev2 one is linked.
// Not compiled in TinyStudio's CI: see README.md.

#include <Arduino.h>
#include <Wire.h>
#include <PDM.h>
#include <Arduino_BMI270_BMM150.h>
#include <TinyStudioRecorder.h>
#include <ts_tflm.h>

/* The TFLM glue's clock hook (it includes no Arduino header itself). */
static uint32_t clock_us(void) { return (uint32_t)micros(); }

enum { SENSOR_IMU = 0, SENSOR_MIC = 1 };
static const uint8_t LSM9DS1_AG = 0x6B;

// --------------------------------------------------------------- HELLO tables
// Rev1: LSM9DS1 at 119 Hz, +-4 g (0.122 mg/LSB), +-2000 dps (70 mdps/LSB), the settings
// of the Arduino_LSM9DS1 library and the GestureToEmoji tutorial.
static const ts_channel_info imu_rev1_ch[6] = {
    {"aX", "g", 0.000122f}, {"aY", "g", 0.000122f}, {"aZ", "g", 0.000122f},
    {"gX", "deg/s", 0.07f}, {"gY", "deg/s", 0.07f}, {"gZ", "deg/s", 0.07f}};
// Rev2: BMI270 as configured by Arduino_BMI270_BMM150 (100 Hz, +-4 g, +-2000 dps); the
// library's floats are turned back into int16 with exactly these scales.
static const ts_channel_info imu_rev2_ch[6] = {
    {"aX", "g", 4.0f / 32768}, {"aY", "g", 4.0f / 32768}, {"aZ", "g", 4.0f / 32768},
    {"gX", "deg/s", 2000.0f / 32768}, {"gY", "deg/s", 2000.0f / 32768}, {"gZ", "deg/s", 2000.0f / 32768}};
static const ts_channel_info mic_ch[1] = {{"mic", "", 1.0f / 32768}};

static const ts_sensor_info sensors_rev1[2] = {
    {SENSOR_IMU, TS_KIND_IMU, TS_I16, 6, 119.0f, "imu", imu_rev1_ch, 0, 0, 0},
    {SENSOR_MIC, TS_KIND_MICROPHONE, TS_I16, 1, 16000.0f, "mic", mic_ch, 0, 0, 0}};
static const ts_sensor_info sensors_rev2[2] = {
    {SENSOR_IMU, TS_KIND_IMU, TS_I16, 6, 100.0f, "imu", imu_rev2_ch, 0, 0, 0},
    {SENSOR_MIC, TS_KIND_MICROPHONE, TS_I16, 1, 16000.0f, "mic", mic_ch, 0, 0, 0}};

#define SLOT_HALF (48u * 1024u)
#define ARENA_BYTES (48u * 1024u)
static const ts_device_info info_rev1 = {"Arduino Nano 33 BLE Sense", TS_FIRMWARE_VERSION,
                                         "nano33ble_rev1", SLOT_HALF, ARENA_BYTES, TS_MAX_BODY, 2, sensors_rev1};
static const ts_device_info info_rev2 = {"Arduino Nano 33 BLE Sense Rev2", TS_FIRMWARE_VERSION,
                                         "nano33ble_rev2", SLOT_HALF, ARENA_BYTES, TS_MAX_BODY, 2, sensors_rev2};

alignas(16) static uint8_t slot_mem[2 * SLOT_HALF];
alignas(16) static uint8_t arena[ARENA_BYTES];
static ts_device dev;
static ts_sampler imu_sampler, mic_sampler;
static uint8_t imu_buf[12 * 10];   // 10 IMU samples per frame (~85-100 ms)
static uint8_t mic_buf[2 * 128];   // 128 audio samples per frame (8 ms)
static bool rev2;

// ----------------------------------------------------------------- microphone
static volatile int16_t mic_ring[4096];
static volatile uint16_t mic_head, mic_tail;

static void on_pdm_data()
{
    int16_t tmp[256];
    int n = PDM.available();
    if (n > (int)sizeof tmp) n = sizeof tmp;
    PDM.read(tmp, n);
    for (int i = 0; i < n / 2; i++) {
        uint16_t next = (mic_head + 1) & 4095u;
        if (next == mic_tail) break;  // loop() too slow: drop, the host sees the rate dip
        mic_ring[mic_head] = tmp[i];
        mic_head = next;
    }
}

// ------------------------------------------------------------------------ IMU
static void lsm_write(uint8_t reg, uint8_t v)
{
    Wire1.beginTransmission(LSM9DS1_AG);
    Wire1.write(reg);
    Wire1.write(v);
    Wire1.endTransmission();
}

static bool lsm_read(uint8_t reg, uint8_t *dst, uint8_t n)
{
    Wire1.beginTransmission(LSM9DS1_AG);
    Wire1.write(reg);
    if (Wire1.endTransmission(false) != 0) return false;
    if (Wire1.requestFrom(LSM9DS1_AG, n) != n) return false;
    for (uint8_t i = 0; i < n; i++) dst[i] = Wire1.read();
    return true;
}

static bool detect_rev1()
{
    uint8_t who = 0;
    Wire1.begin();
    return lsm_read(0x0F, &who, 1) && who == 0x68;  // LSM9DS1 WHO_AM_I
}

static bool imu_begin()
{
    if (!rev2) {
        lsm_write(0x10, 0x78);  // CTRL_REG1_G: 119 Hz, 2000 dps
        lsm_write(0x20, 0x70);  // CTRL_REG6_XL: 119 Hz, +-4 g
        lsm_write(0x22, 0x04);  // CTRL_REG8: address auto-increment
        return true;
    }
    return IMU.begin();
}

// One sample (aX aY aZ gX gY gZ as int16) if a new one is ready.
static bool imu_read(int16_t s[6])
{
    if (!rev2) {
        uint8_t status, g[6], a[6];
        if (!lsm_read(0x17, &status, 1) || (status & 3) != 3) return false;
        if (!lsm_read(0x28, a, 6) || !lsm_read(0x18, g, 6)) return false;
        for (int i = 0; i < 3; i++) {
            s[i] = (int16_t)(a[2 * i] | (a[2 * i + 1] << 8));
            s[3 + i] = (int16_t)(g[2 * i] | (g[2 * i + 1] << 8));
        }
        return true;
    }
    if (!IMU.accelerationAvailable() || !IMU.gyroscopeAvailable()) return false;
    float ax, ay, az, gx, gy, gz;
    IMU.readAcceleration(ax, ay, az);
    IMU.readGyroscope(gx, gy, gz);
    const float a = 32768.0f / 4.0f, g = 32768.0f / 2000.0f;
    float v[6] = {ax * a, ay * a, az * a, gx * g, gy * g, gz * g};
    for (int i = 0; i < 6; i++) s[i] = (int16_t)constrain(lroundf(v[i]), -32768L, 32767L);
    return true;
}

// ------------------------------------------------------------------------ HAL
static void hal_write(void *, const uint8_t *data, size_t n) { Serial.write(data, n); }

static uint8_t hal_enable(void *, uint8_t id, uint8_t on)
{
    if (id == SENSOR_MIC && on) {
        noInterrupts();
        mic_tail = mic_head;  // start with fresh audio
        interrupts();
    }
    return TS_OK;  // both sensors run all the time; the samplers gate the stream
}

static const ts_hal hal = {nullptr, hal_write, hal_enable, ts_tflm_load, ts_tflm_run_buffer, ts_tflm_run};

void setup()
{
    Serial.begin(115200);  // USB CDC: the baud rate is ignored
#if defined(PIN_ENABLE_SENSORS_3V3)
    pinMode(PIN_ENABLE_SENSORS_3V3, OUTPUT);
    digitalWrite(PIN_ENABLE_SENSORS_3V3, HIGH);
    pinMode(PIN_ENABLE_I2C_PULLUP, OUTPUT);
    digitalWrite(PIN_ENABLE_I2C_PULLUP, HIGH);
    delay(10);
#endif
    rev2 = !detect_rev1();
    ts_device_init(&dev, rev2 ? &info_rev2 : &info_rev1, &hal, slot_mem, sizeof slot_mem);
    ts_tflm_begin(&dev, arena, sizeof arena, clock_us);
    ts_sampler_init(&imu_sampler, &dev, SENSOR_IMU, 12, imu_buf, sizeof imu_buf, 10);
    ts_sampler_init(&mic_sampler, &dev, SENSOR_MIC, 2, mic_buf, sizeof mic_buf, 128);
    ts_device_hello(&dev);
    if (!imu_begin()) ts_device_error(&dev, 1, rev2 ? "BMI270 did not start" : "LSM9DS1 did not start");
    ts_device_log(&dev, TS_LOG_INFO, rev2 ? "IMU: BMI270/BMM150 (Rev2)" : "IMU: LSM9DS1 (Rev1)");
    PDM.onReceive(on_pdm_data);
    PDM.setBufferSize(512);
    if (!PDM.begin(1, 16000)) ts_device_error(&dev, 2, "PDM microphone did not start");
    PDM.setGain(20);
}

void loop()
{
    uint8_t rx[64];
    int n;
    while ((n = Serial.available()) > 0) {
        n = Serial.readBytes(rx, n > (int)sizeof rx ? sizeof rx : n);
        ts_device_feed(&dev, rx, (size_t)n);
    }
    int16_t s[6];
    if (imu_read(s)) {
        ts_sampler_push(&imu_sampler, s);
        ts_tflm_push_i16(SENSOR_IMU, s);
    }
    while (mic_tail != mic_head) {
        int16_t v = mic_ring[mic_tail];
        mic_tail = (mic_tail + 1) & 4095u;
        ts_sampler_push(&mic_sampler, &v);
        ts_tflm_push_i16(SENSOR_MIC, &v);
    }
}
