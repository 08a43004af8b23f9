"""Boards that TinyStudio provides itself, on the far side of the serial link.

``boards.virtual`` is the Python virtual board (`tinystudio sim`): a pty speaking the real
protocol, with synthetic or replayed sensors and models run in the TFLM interpreter.
Nothing in ``tinystudio.devices`` (the host side of the link) imports this package: the
host treats these boards exactly like hardware, through a serial port.
"""
