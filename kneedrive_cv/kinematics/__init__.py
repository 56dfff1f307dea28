"""From a pose track to numbers: leg identity, filtering, per-frame metrics, events. numpy only, no model."""
