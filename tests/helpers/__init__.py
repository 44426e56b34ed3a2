"""What the tests share: a live engine, scripted stations, deterministic scenarios."""
