"""Which lessons the default `pytest` run proves, and which wait for `pytest -m integration`.

Lessons whose checks run real services or tools (an MLflow store and registry, a Dask cluster,
uvicorn servers, hadolint and the Compose schema, a simulated LLM provider) or train and time
models in every check (lesson 05's searches, lessons 11 and 12) cost seconds per mutant, and their
worked examples start the same services or train the same models. Their mutants, solutions,
stubs and examples are proven in the integration tier, which `.ci/run` runs; that keeps the
default run under 6 minutes with the whole course in place, on the slower of the CPUs CI has been
seen on (6:22 with lesson 05 in it, on an AMD EPYC; 4:49 on another machine). The default run
proves lessons 01 to 04 and every part of the grader.
"""

INTEGRATION_LESSONS = (
    "05_tuning",  # searches and cross-validation in every check (0.7 s a mutant)
    "06_tracking",
    "07_batch",
    "08_serving",
    "09_containers",
    "10_monitoring",
    "11_optimization",
    "12_applications",
    "13_data_centric",
    "14_cicd",
    "capstone",  # a whole system per part: training runs, servers (graded in <= 90 s)
)
