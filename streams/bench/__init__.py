"""`vigil bench`: throughput, latency and memory of the pipeline against baselines, one run."""
