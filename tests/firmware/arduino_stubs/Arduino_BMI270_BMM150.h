#pragma once
struct BoschSensorClass {
    int begin();
    int accelerationAvailable();
    int gyroscopeAvailable();
    int readAcceleration(float &x, float &y, float &z);
    int readGyroscope(float &x, float &y, float &z);
};
extern BoschSensorClass IMU;
