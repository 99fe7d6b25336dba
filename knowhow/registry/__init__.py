"""Registry stage: record model, strict YAML loading, curated/harvested merge, validation, export."""
