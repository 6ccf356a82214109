"""Example shop package."""
