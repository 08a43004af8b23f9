#pragma once
#include <Wire.h>
enum { LIS3DHTR_DATARATE_100HZ = 5, LIS3DHTR_RANGE_2G = 0 };
template <class T> struct LIS3DHTR {
    void begin(T &);
    explicit operator bool();
    void setOutputDataRate(int);
    void setFullScaleRange(int);
    float getAccelerationX();
    float getAccelerationY();
    float getAccelerationZ();
};
