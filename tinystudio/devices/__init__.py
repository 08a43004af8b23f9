"""TinyStudio devices layer (Qt-free)."""
