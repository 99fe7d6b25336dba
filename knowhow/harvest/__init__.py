"""Harvest stage: source adapters, the shared HTTP transport, the harvested-record store."""
