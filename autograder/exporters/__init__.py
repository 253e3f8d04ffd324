"""Exporters: each turns the one result model (`results.GradeReport`) into one format."""
