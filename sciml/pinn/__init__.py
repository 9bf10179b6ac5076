"""sciml.pinn (under construction)."""
