"""Artifact storage."""
