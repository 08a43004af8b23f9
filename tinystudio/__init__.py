"""TinyStudio: an offline studio for TinyML on microcontrollers.

The package is layered (see DESIGN.md): ``devices`` -> ``dataset``/``dsp`` -> ``ml``/``deploy``
-> ``ui``. Only ``tinystudio.ui`` may import Qt; TensorFlow is imported lazily where training
or conversion starts.
"""

__version__ = "0.1.0"
