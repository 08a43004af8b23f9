#pragma once
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#define OUTPUT 1
#define INPUT 0
#define HIGH 1
#define LOW 0
#define constrain(x, lo, hi) ((x) < (lo) ? (lo) : ((x) > (hi) ? (hi) : (x)))
#define PIN_ENABLE_SENSORS_3V3 32
#define PIN_ENABLE_I2C_PULLUP 33
#define WIO_MIC 40
struct HardwareSerial {
    void begin(unsigned long);
    void setRxBufferSize(size_t);
    size_t write(const uint8_t *, size_t);
    int available();
    size_t readBytes(uint8_t *, size_t);
};
extern HardwareSerial Serial;
uint32_t micros();
uint32_t millis();
void delay(uint32_t);
void pinMode(int, int);
void digitalWrite(int, int);
int analogRead(int);
void analogReadResolution(int);
void noInterrupts();
void interrupts();
