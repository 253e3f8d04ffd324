"""Reference code that later exercises build on, generated from the solutions.

Lesson 08's service loads its model with lesson 07's `load_model` and validates requests with
lesson 08's first exercise's models; lesson 09's image runs lesson 08's service. Each later
exercise imports the reference answer from here rather than your own, so its grade never depends
on an earlier one. The modules listed as `[[given]]` in course.toml are written by
`mlgrade dev sync` from `solutions/` (each starts with a "Generated" line): finish the exercise
before reading its module. The others (`serving_model.py`, `service.py`) are course code the
lessons share: the serving model's features and training, and the container's entry point.
"""
