"""Renderers: one per surface, each turning a Match into what that surface shows."""
