"""ketamine-evidence: a living, auditable map of what PubMed says about ketamine for depression."""

__version__ = "0.1.0"
