"""Small, valid PubMed XML records for tests (synthetic text): the library's factory."""

from pipeline.replay.factory import record, write_set

__all__ = ["record", "write_set"]
