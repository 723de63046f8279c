"""The entity labels of GUIDELINES.md and the study drugs: shared by extraction, the tagger and a configured
pretrained pipeline."""

from __future__ import annotations

LABELS = ("DRUG", "DOSE", "ROUTE", "TIMEPOINT", "OUTCOME", "ADVERSE_EVENT")


STUDY_DRUGS = ("ketamine", "esketamine", "arketamine")
