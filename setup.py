"""Which packages the wheel holds; everything else is in pyproject.toml.

Every package under bot/, found rather than listed (a new subpackage ships without an edit here),
plus `bot.bundled_knowledge`: the checkout's knowledge/ folder, which pyproject.toml's
package-dir maps into the package, so `find_packages` cannot see it under bot/.
"""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["bot", "bot.*"]), "bot.bundled_knowledge"])
