"""CAD/RMS feeds: sources, incidents, rejected rows, risk-terrain layers and the event calendar."""
