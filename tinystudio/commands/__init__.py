"""Headless subcommands, one module each, discovered by tinystudio.cli."""
