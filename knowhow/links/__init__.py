"""Link health: check every URL in the registry, keep a per-link status history, flag dead links."""
