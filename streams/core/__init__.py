"""Pure domain logic: no Kafka, Faust or Prometheus imports; time comes from an injected clock."""
