"""The WG3 know-how portal: registries, harvesters, compression benchmark and site builder."""

__version__ = "0.1.0"
