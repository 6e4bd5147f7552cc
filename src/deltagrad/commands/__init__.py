"""One module per ``deltagrad`` sub-command (see :mod:`deltagrad.cli`)."""
