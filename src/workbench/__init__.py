"""Cyber Impact & Gap Workbench: national cybercrime impact, capability gaps and
business case, from a country's survey, incident and assessment data."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cyber-impact-workbench")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"
