"""sciml.qp (under construction)."""
