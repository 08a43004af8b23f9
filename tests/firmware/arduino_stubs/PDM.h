#pragma once
#include <Arduino.h>
struct PDMClass {
    int begin(int channels, int rate);
    void onReceive(void (*)(void));
    void setBufferSize(int);
    void setGain(int);
    int available();
    int read(void *, int);
};
extern PDMClass PDM;
