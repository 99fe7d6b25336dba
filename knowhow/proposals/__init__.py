"""Proposals: GitHub issue forms generated from the model and vocabularies, and the parser that
turns a submitted form back into a validated record file."""
