"""Table schemas and the atomic, snapshot-based store that publishes them."""
