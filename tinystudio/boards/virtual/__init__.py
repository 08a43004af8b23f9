"""The virtual board: the recorder firmware's behaviour in Python, behind a real pty."""
