FROM python:3.11.14-slim-bookworm
WORKDIR /app
COPY pyproject.toml README.md ./
COPY streams ./streams
COPY connectors ./connectors
COPY schemas ./schemas
COPY data ./data
# A regular install: the wheel carries the schemas (streams/codecs/schemas links to schemas/)
# and the rules as package data.
RUN pip install --no-cache-dir .
EXPOSE 6066
CMD ["vigil", "worker"]
