"""Web pages of the registry app."""
