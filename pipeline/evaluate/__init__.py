"""Gold data loaders and scoring (`kev eval`, `kev gold`)."""
