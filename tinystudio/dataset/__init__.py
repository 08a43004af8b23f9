"""TinyStudio dataset layer (Qt-free)."""
