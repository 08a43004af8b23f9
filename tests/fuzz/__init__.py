"""Property-based fuzzers for hostile input (issue 24); see targets.py and __main__.py."""
