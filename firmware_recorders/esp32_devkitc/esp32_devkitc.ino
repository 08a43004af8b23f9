// TinyStudio recorder for an ESP32-DevKitC with an MPU6050 (I2C) and an INMP441-style
// I2S microphone. Thin board file: sensor reads and the ts_hal; everything protocol-side
// is the portable core (firmware_recorders/common) and the TFLM glue.
// Wiring (see README.md): MPU6050 SDA 21, SCL 22; mic SCK 26, WS 25, SD 33, L/R to GND.
// Not compiled in TinyStudio's CI: see README.md.

#include <Arduino.h>
#include <Wire.h>
#include <driver/i2s.h>
#include <esp_heap_caps.h>
#include <TinyStudioRecorder.h>
#include <ts_tflm.h>

/* The TFLM glue's clock hook (it includes no Arduino header itself). */
static uint32_t clock_us(void) { return (uint32_t)micros(); }

enum { SENSOR_IMU = 0, SENSOR_MIC = 1 };
static const uint8_t MPU = 0x68;
static const i2s_port_t MIC_PORT = I2S_NUM_0;

// MPU6050: +-4 g = 8192 LSB/g, +-2000 dps = 16.4 LSB/(deg/s), 100 Hz (1 kHz / (1 + 9)).
static const ts_channel_info imu_ch[6] = {
    {"aX", "g", 1.0f / 8192}, {"aY", "g", 1.0f / 8192}, {"aZ", "g", 1.0f / 8192},
    {"gX", "deg/s", 1.0f / 16.4f}, {"gY", "deg/s", 1.0f / 16.4f}, {"gZ", "deg/s", 1.0f / 16.4f}};
static const ts_channel_info mic_ch[1] = {{"mic", "", 1.0f / 32768}};
static const ts_sensor_info sensors[2] = {
    {SENSOR_IMU, TS_KIND_IMU, TS_I16, 6, 100.0f, "imu", imu_ch, 0, 0, 0},
    {SENSOR_MIC, TS_KIND_MICROPHONE, TS_I16, 1, 16000.0f, "mic", mic_ch, 0, 0, 0}};

#define SLOT_HALF (64u * 1024u)
#define ARENA_BYTES (96u * 1024u)
static const ts_device_info info = {"ESP32-DevKitC", TS_FIRMWARE_VERSION, "esp32_devkitc",
                                    SLOT_HALF, ARENA_BYTES, TS_MAX_BODY, 2, sensors};

alignas(16) static uint8_t arena[ARENA_BYTES];
static uint8_t *slot_mem;  // 2 x SLOT_HALF from the heap once at boot (DRAM segments are small)
static ts_device dev;
static ts_sampler imu_sampler, mic_sampler;
static uint8_t imu_buf[12 * 10];
static uint8_t mic_buf[2 * 128];

static void mpu_write(uint8_t reg, uint8_t v)
{
    Wire.beginTransmission(MPU);
    Wire.write(reg);
    Wire.write(v);
    Wire.endTransmission();
}

static bool mpu_read(uint8_t reg, uint8_t *dst, uint8_t n)
{
    Wire.beginTransmission(MPU);
    Wire.write(reg);
    if (Wire.endTransmission(false) != 0 || Wire.requestFrom(MPU, n) != n) return false;
    for (uint8_t i = 0; i < n; i++) dst[i] = Wire.read();
    return true;
}

static bool mpu_begin()
{
    uint8_t who = 0;
    Wire.begin(21, 22, 400000);
    if (!mpu_read(0x75, &who, 1) || (who != 0x68 && who != 0x70 && who != 0x72)) return false;
    mpu_write(0x6B, 0x01);  // PWR_MGMT_1: wake, PLL with X gyro
    mpu_write(0x1A, 0x03);  // CONFIG: DLPF 44 Hz, gyro rate 1 kHz
    mpu_write(0x19, 9);     // SMPLRT_DIV: 1 kHz / 10 = 100 Hz
    mpu_write(0x1B, 0x18);  // GYRO_CONFIG: +-2000 dps
    mpu_write(0x1C, 0x08);  // ACCEL_CONFIG: +-4 g
    mpu_write(0x38, 0x01);  // INT_ENABLE: data ready (polled in INT_STATUS)
    return true;
}

static bool mpu_sample(int16_t s[6])
{
    uint8_t st, b[14];
    if (!mpu_read(0x3A, &st, 1) || !(st & 1) || !mpu_read(0x3B, b, 14)) return false;
    static const uint8_t at[6] = {0, 2, 4, 8, 10, 12};  // skip the temperature
    for (int i = 0; i < 6; i++) s[i] = (int16_t)((b[at[i]] << 8) | b[at[i] + 1]);  // big-endian
    return true;
}

static bool mic_begin()
{
    i2s_config_t cfg = {};
    cfg.mode = (i2s_mode_t)(I2S_MODE_MASTER | I2S_MODE_RX);
    cfg.sample_rate = 16000;
    cfg.bits_per_sample = I2S_BITS_PER_SAMPLE_32BIT;
    cfg.channel_format = I2S_CHANNEL_FMT_ONLY_LEFT;
    cfg.communication_format = I2S_COMM_FORMAT_STAND_I2S;
    cfg.intr_alloc_flags = ESP_INTR_FLAG_LEVEL1;
    cfg.dma_buf_count = 8;
    cfg.dma_buf_len = 256;
    i2s_pin_config_t pins = {};
    pins.mck_io_num = I2S_PIN_NO_CHANGE;
    pins.bck_io_num = 26;
    pins.ws_io_num = 25;
    pins.data_out_num = I2S_PIN_NO_CHANGE;
    pins.data_in_num = 33;
    return i2s_driver_install(MIC_PORT, &cfg, 0, nullptr) == ESP_OK &&
           i2s_set_pin(MIC_PORT, &pins) == ESP_OK;
}

static void hal_write(void *, const uint8_t *data, size_t n) { Serial.write(data, n); }

static uint8_t hal_enable(void *, uint8_t id, uint8_t on)
{
    if (id == SENSOR_MIC && on) i2s_zero_dma_buffer(MIC_PORT);
    return TS_OK;
}

static const ts_hal hal = {nullptr, hal_write, hal_enable, ts_tflm_load, ts_tflm_run_buffer, ts_tflm_run};

void setup()
{
    // 16 kHz int16 audio is 32 KB/s plus framing: the USB-UART bridge needs 921600 baud.
    Serial.setRxBufferSize(4096);
    Serial.begin(921600);
    slot_mem = (uint8_t *)heap_caps_aligned_alloc(16, 2 * SLOT_HALF, MALLOC_CAP_8BIT);
    ts_device_init(&dev, &info, &hal, slot_mem, slot_mem ? 2 * SLOT_HALF : 0);
    ts_tflm_begin(&dev, arena, sizeof arena, clock_us);
    ts_sampler_init(&imu_sampler, &dev, SENSOR_IMU, 12, imu_buf, sizeof imu_buf, 10);
    ts_sampler_init(&mic_sampler, &dev, SENSOR_MIC, 2, mic_buf, sizeof mic_buf, 128);
    ts_device_hello(&dev);
    if (!slot_mem) ts_device_error(&dev, 3, "no RAM for the model slot");
    if (!mpu_begin()) ts_device_error(&dev, 1, "MPU6050 not found at I2C 0x68 (SDA 21, SCL 22)");
    if (!mic_begin()) ts_device_error(&dev, 2, "I2S microphone did not start");
}

void loop()
{
    uint8_t rx[128];
    int n;
    while ((n = Serial.available()) > 0) {
        n = Serial.readBytes(rx, n > (int)sizeof rx ? sizeof rx : n);
        ts_device_feed(&dev, rx, (size_t)n);
    }
    int16_t s[6];
    if (mpu_sample(s)) {
        ts_sampler_push(&imu_sampler, s);
        ts_tflm_push_i16(SENSOR_IMU, s);
    }
    int32_t raw[128];
    size_t got = 0;
    if (i2s_read(MIC_PORT, raw, sizeof raw, &got, 0) == ESP_OK) {
        for (size_t i = 0; i < got / 4; i++) {
            int16_t v = (int16_t)(raw[i] >> 16);  // top 16 of the 24 left-justified bits
            ts_sampler_push(&mic_sampler, &v);
            ts_tflm_push_i16(SENSOR_MIC, &v);
        }
    }
}
