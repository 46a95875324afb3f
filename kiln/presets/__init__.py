"""Presets: styles (prompt templates as data), aspect ratios and quality names. Pure data and arithmetic."""
