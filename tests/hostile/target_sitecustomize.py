"""Hostile sitecustomize.py / usercustomize.py placed in a target.

If Python ever imported it in the grader (it does only when the folder is on sys.path at start-up,
e.g. through PYTHONPATH), it would hook the import of `autograder.plugin` and make `classify`
call every check passed, so an untouched stub would earn full marks.
"""

import importlib.abc
import importlib.machinery
import sys


class _PassEverything(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name != "autograder.plugin":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return None
        real_exec = spec.loader.exec_module

        def exec_module(module):
            real_exec(module)
            module.classify = lambda item, reports: ("passed", "")

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _PassEverything())
