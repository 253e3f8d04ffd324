"""Which lessons the default `pytest` run proves, and which wait for `pytest -m integration`.

Lessons whose checks run real services or tools (an MLflow store and registry, a Dask cluster,
uvicorn servers, hadolint and the Compose schema) cost seconds per mutant, and their worked
examples start the same services. Their mutants, solutions, stubs and examples are proven in the
integration tier, which `.ci/run` runs; that keeps the default run under 6 minutes.
"""

INTEGRATION_LESSONS = ("06_tracking", "07_batch", "08_serving", "09_containers", "10_monitoring", "13_data_centric")
