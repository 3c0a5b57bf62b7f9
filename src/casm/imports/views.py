"""Web pages of the imports app."""
