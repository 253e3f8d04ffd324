"""coursedata: the course's offline data world, a fictional European card-payments company.

    world = coursedata.generate(n_transactions=50_000, seed=0)   # or coursedata.sample("small")
    world.transactions, world.users, world.merchants               # typed frames, see SCHEMA
    world.truth                                                    # the planted facts
    raw = coursedata.raw_export(world, seed=0)                     # the messy all-text export

Everything is generated in memory from a seed: no download, no file, no side effect at import.
Reference: docs/reference/data-world.md.
"""

from coursedata.messy import raw_export
from coursedata.schema import SCHEMA, Column, schema_markdown
from coursedata.truth import RawExportTruth, Truth
from coursedata.world import SAMPLES, World, generate, sample

__all__ = [
    "SAMPLES",
    "SCHEMA",
    "Column",
    "RawExportTruth",
    "Truth",
    "World",
    "generate",
    "raw_export",
    "sample",
    "schema_markdown",
]
