"""The demo programme: real figures and organisations, sample people and proposals."""
