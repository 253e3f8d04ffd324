"""coursedata: the course's offline data world, a fictional European card-payments company.

    world = coursedata.generate(n_transactions=50_000, seed=0)   # or coursedata.sample("small")
    world.transactions, world.users, world.merchants               # typed frames, see SCHEMA
    world.truth                                                    # the planted facts
    raw = coursedata.raw_export(world, seed=0)                     # the messy all-text export
    y = coursedata.labels_as_of(world, "2025-03-01")               # the labels known by then

Later lessons' tables, each seeded on its own stream (the world's frames never change):
with_anomalies(world), daily_volumes(), interactions(), dispute_notes(world), noisy_labels(world).

Everything is generated in memory from a seed: no download, no file, no side effect at import.
Reference: docs/reference/data-world.md.
"""

from coursedata.anomalies import with_anomalies
from coursedata.disputes import REASONS, dispute_notes
from coursedata.interactions import InteractionsTruth, interactions, interactions_truth
from coursedata.labels import labels_as_of
from coursedata.messy import raw_export
from coursedata.noise import NoisyLabels, noisy_labels
from coursedata.schema import SCHEMA, Column, schema_markdown
from coursedata.truth import (
    DataIncident,
    GradualDrift,
    PrevalenceShift,
    RawExportTruth,
    Seasonality,
    Truth,
)
from coursedata.volumes import LevelShift, VolumeTruth, daily_volumes, daily_volumes_truth
from coursedata.world import SAMPLES, World, generate, sample

__all__ = [
    "REASONS",
    "SAMPLES",
    "SCHEMA",
    "Column",
    "DataIncident",
    "GradualDrift",
    "InteractionsTruth",
    "LevelShift",
    "NoisyLabels",
    "PrevalenceShift",
    "RawExportTruth",
    "Seasonality",
    "Truth",
    "VolumeTruth",
    "World",
    "daily_volumes",
    "daily_volumes_truth",
    "dispute_notes",
    "generate",
    "interactions",
    "interactions_truth",
    "labels_as_of",
    "noisy_labels",
    "raw_export",
    "sample",
    "schema_markdown",
    "with_anomalies",
]
