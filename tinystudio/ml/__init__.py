"""TinyStudio ml layer (Qt-free)."""
