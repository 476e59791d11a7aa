"""Package list for setuptools: everything under iamlint/ plus the top-level
rules/ folder, shipped as ``iamlint.builtin_rules`` (see pyproject.toml)."""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["iamlint", "iamlint.*"]), "iamlint.builtin_rules"])
