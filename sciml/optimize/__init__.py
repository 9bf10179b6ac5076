"""sciml.optimize (under construction)."""
