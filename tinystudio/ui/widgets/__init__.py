"""Reusable widgets: live plots, spectrogram, timeline, confusion matrix, big label."""
