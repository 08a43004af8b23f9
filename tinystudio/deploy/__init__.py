"""TinyStudio deploy layer (Qt-free)."""
