"""The loopback E-utilities replay server (a tool for tests, demos and benchmarks)."""

from pipeline.replay.server import FaultPlan, ReplayServer, load_records

__all__ = ["FaultPlan", "ReplayServer", "load_records"]
