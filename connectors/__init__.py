"""Ways reports get into Vigil (HTTP ingest, file replay) and out of it (webhook sink)."""
