// TinyStudio recorder for an ESP32 camera board: XIAO ESP32S3 Sense (default) or ESP-EYE
// (build with -DTS_CAMERA_ESP_EYE). Streams 96x96 GRAY8 images as CAMERA_CHUNK frames and
// runs IMAGE models on them. Thin board file over the portable core and the TFLM glue.
// Not compiled in TinyStudio's CI: see README.md.

#include <Arduino.h>
#include <esp_camera.h>
#include <esp_heap_caps.h>
#include <TinyStudioRecorder.h>
#include <ts_tflm.h>

/* The TFLM glue's clock hook (it includes no Arduino header itself). */
static uint32_t clock_us(void) { return (uint32_t)micros(); }

enum { SENSOR_CAMERA = 0 };
static const uint32_t FRAME_PERIOD_MS = 200;  // 5 images per second

#if defined(TS_CAMERA_ESP_EYE)
#define BOARD_NAME "ESP-EYE"
#define BOARD_ID "esp_eye"
static const int PINS[] = {/*pwdn*/ -1, /*reset*/ -1, /*xclk*/ 4, /*sda*/ 18, /*scl*/ 23,
                           /*d7..d0*/ 36, 37, 38, 39, 35, 14, 13, 34,
                           /*vsync*/ 5, /*href*/ 27, /*pclk*/ 25};
#else
#define BOARD_NAME "Seeed XIAO ESP32S3 Sense"
#define BOARD_ID "xiao_esp32s3_sense"
static const int PINS[] = {/*pwdn*/ -1, /*reset*/ -1, /*xclk*/ 10, /*sda*/ 40, /*scl*/ 39,
                           /*d7..d0*/ 48, 11, 12, 14, 16, 18, 17, 15,
                           /*vsync*/ 38, /*href*/ 47, /*pclk*/ 13};
#endif

static const ts_channel_info cam_ch[1] = {{"gray", "", 1.0f}};
static const ts_sensor_info sensors[1] = {
    {SENSOR_CAMERA, TS_KIND_CAMERA, TS_U8, 1, 1000.0f / FRAME_PERIOD_MS, "camera", cam_ch, 96, 96, TS_GRAY8}};

#define SLOT_HALF (256u * 1024u)
#define ARENA_BYTES (160u * 1024u)
static const ts_device_info info = {BOARD_NAME, TS_FIRMWARE_VERSION, BOARD_ID, SLOT_HALF,
                                    ARENA_BYTES, TS_MAX_BODY, 1, sensors};

static uint8_t *slot_mem;  // PSRAM, once at boot
static uint8_t *arena;     // internal RAM, once at boot
static ts_device dev;
static uint16_t image_seq, image_id;
static uint32_t next_frame;

static bool camera_begin()
{
    camera_config_t c = {};
    c.pin_pwdn = PINS[0];
    c.pin_reset = PINS[1];
    c.pin_xclk = PINS[2];
    c.pin_sccb_sda = PINS[3];
    c.pin_sccb_scl = PINS[4];
    c.pin_d7 = PINS[5];
    c.pin_d6 = PINS[6];
    c.pin_d5 = PINS[7];
    c.pin_d4 = PINS[8];
    c.pin_d3 = PINS[9];
    c.pin_d2 = PINS[10];
    c.pin_d1 = PINS[11];
    c.pin_d0 = PINS[12];
    c.pin_vsync = PINS[13];
    c.pin_href = PINS[14];
    c.pin_pclk = PINS[15];
    c.xclk_freq_hz = 20000000;
    c.ledc_timer = LEDC_TIMER_0;
    c.ledc_channel = LEDC_CHANNEL_0;
    c.pixel_format = PIXFORMAT_GRAYSCALE;
    c.frame_size = FRAMESIZE_96X96;
    c.jpeg_quality = 12;
    c.fb_count = 1;
    c.fb_location = CAMERA_FB_IN_PSRAM;
    c.grab_mode = CAMERA_GRAB_LATEST;
    return esp_camera_init(&c) == ESP_OK;
}

static void hal_write(void *, const uint8_t *data, size_t n) { Serial.write(data, n); }

static const ts_hal hal = {nullptr, hal_write, nullptr, ts_tflm_load, ts_tflm_run_buffer, ts_tflm_run};

void setup()
{
    Serial.setRxBufferSize(4096);
    Serial.begin(921600);  // USB CDC on the XIAO (baud ignored); CP2102 UART on the ESP-EYE
    slot_mem = (uint8_t *)heap_caps_aligned_alloc(16, 2 * SLOT_HALF, MALLOC_CAP_SPIRAM);
    arena = (uint8_t *)heap_caps_aligned_alloc(16, ARENA_BYTES, MALLOC_CAP_8BIT);
    ts_device_init(&dev, &info, &hal, slot_mem, slot_mem ? 2 * SLOT_HALF : 0);
    ts_tflm_begin(&dev, arena, arena ? ARENA_BYTES : 0, clock_us);
    ts_device_hello(&dev);
    if (!slot_mem || !arena) ts_device_error(&dev, 3, "no PSRAM/RAM for the model slot or arena");
    if (!camera_begin()) ts_device_error(&dev, 1, "camera did not start (check the board selection)");
    next_frame = millis();
}

void loop()
{
    uint8_t rx[128];
    int n;
    while ((n = Serial.available()) > 0) {
        n = Serial.readBytes(rx, n > (int)sizeof rx ? sizeof rx : n);
        ts_device_feed(&dev, rx, (size_t)n);
    }
    if ((int32_t)(millis() - next_frame) < 0) return;
    next_frame += FRAME_PERIOD_MS;
    if (!ts_device_streaming(&dev, SENSOR_CAMERA)) return;  // no images before START
    camera_fb_t *fb = esp_camera_fb_get();
    if (!fb) return;
    if (fb->width == 96 && fb->height == 96) {
        ts_device_send_image(&dev, SENSOR_CAMERA, &image_seq, image_id++, 96, 96, TS_GRAY8, fb->buf);
        ts_tflm_push_image(SENSOR_CAMERA, fb->buf, 96, 96);
    }
    esp_camera_fb_return(fb);
}
