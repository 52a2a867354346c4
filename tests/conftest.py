"""Suite-wide settings.

Hypothesis runs derandomized by default: the same examples on every run, so a CI run is as
deterministic as the emulator it tests. Explore new examples with
`pytest --hypothesis-profile=explore` (random seeds, more examples).
"""
from hypothesis import settings

settings.register_profile("default", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", derandomize=False, deadline=None)
settings.load_profile("default")
