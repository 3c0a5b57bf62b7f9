"""Web pages of the indicators app."""
