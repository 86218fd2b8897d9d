"""The shell: everything that touches the outside world."""
