"""Grid cells, model versions, forecast runs and back-tests; the science lives in `engine/`."""
