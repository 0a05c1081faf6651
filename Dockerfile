FROM python:3.11.14-slim-bookworm
WORKDIR /app
COPY pyproject.toml README.md ./
COPY streams ./streams
COPY connectors ./connectors
COPY schemas ./schemas
COPY data ./data
# Editable: the schemas/ and rules live beside the package, as in the repository.
RUN pip install --no-cache-dir -e .
EXPOSE 6066
CMD ["vigil", "worker"]
