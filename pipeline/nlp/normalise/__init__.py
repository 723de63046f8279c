"""Normalisers: turn a mention's surface text into values an analyst can count and compare."""
