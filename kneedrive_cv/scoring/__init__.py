"""Scoring: drills as data (one registry), per-rep metrics, drill recognition, rep scores and faults."""
