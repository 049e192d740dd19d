"""The computational core of Dure.

Plain Python, numpy and scipy: matching, conflicts, assignment, calibration, ranking,
lottery and portfolio selection. Nothing here imports Django or the web apps; an
import-linter contract in CI keeps it so. Functions take arrays and dataclasses and
return dataclasses; randomness only ever comes through an explicit seed.
"""
