"""sciml.calculus (under construction)."""
