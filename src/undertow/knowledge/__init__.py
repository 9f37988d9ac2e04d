"""Knowledge kept as data: YAML files under ``undertow/data`` validated on load."""
