"""One module per ``dure`` sub-command (see dure.cli)."""
