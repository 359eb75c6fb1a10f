"""costshare's allocation engine: splits Offlimits' yearly cost over ministries, exactly.

Pure: the standard library, PuLP and highspy only.
"""

from allocation.errors import AllocationError, InvalidScenario
from allocation.scenario import Rule, Scenario, parse_scenario
from allocation.version import __version__

__all__ = [
    "AllocationError",
    "InvalidScenario",
    "Rule",
    "Scenario",
    "__version__",
    "parse_scenario",
]
