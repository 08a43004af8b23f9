#pragma once
namespace tflite { struct ErrorReporter {}; struct MicroErrorReporter : ErrorReporter {}; }
