"""Claims: the catalogue, article attributes (design, size, population), stance, and the per-claim summary."""
