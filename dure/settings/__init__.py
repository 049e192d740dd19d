"""Settings in layers: base (defaults) <- dev / test / production (environment)."""
