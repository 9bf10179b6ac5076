"""sciml.signal (under construction)."""
