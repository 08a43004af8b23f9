"""TinyStudio dsp layer (Qt-free)."""
