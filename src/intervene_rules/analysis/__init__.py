"""Exact analysis over the whole discrete input space: invariants and enumeration."""
