"""One page per workflow step: Device, Record, Label, Train, Deploy."""
