"""Site stage: turn the merged registry into pages, feeds and data files for MkDocs."""
