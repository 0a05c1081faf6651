# The two commands a newcomer needs: `make demo` and `make test`. Both bootstrap themselves.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test unit bench kafka-start kafka-stop clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## Run the pipeline on a local Kafka with the sample reports (DEMO_ONCE=1: exit when done)
demo: $(STAMP)
	$(BIN)/vigil demo $(if $(filter 1,$(DEMO_ONCE)),--once,)

## Unit and integration tests (starts Kafka if none is running)
test: $(STAMP)
	bash ops/kafka/kafka.sh start
	$(BIN)/pytest $(PYTEST_ARGS)

unit: $(STAMP)
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

## Throughput, latency and memory against the baselines (see README)
bench: $(STAMP)
	bash ops/kafka/kafka.sh start
	$(BIN)/vigil bench $(BENCH_ARGS)

kafka-start:
	bash ops/kafka/kafka.sh start

kafka-stop:
	bash ops/kafka/kafka.sh stop

## Stops the brokers this checkout started (their data lives in .run), then removes it all
clean:
	-bash ops/kafka/kafka.sh stop
	-bash ops/registry/registry.sh stop
	rm -rf $(VENV) .run build *.egg-info
