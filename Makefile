# Two commands do all the set-up on a fresh clone: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_LOGGING_LEVEL ?= WARNING

.PHONY: install run test lint clean train

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Python 3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/kev run --source sample

# both cores: each pytest-xdist worker has its own Prefect home (tests/conftest.py)
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2

# Retrain the entity tagger (reads ../shared/corpus), then let the evaluation pick rules/model/union per label.
train: $(STAMP)
	$(BIN)/python -m pipeline.nlp.learn_vocab
	$(BIN)/python -m pipeline.nlp.train
	$(BIN)/python -m pipeline.nlp.select_sources

lint: $(STAMP)
	$(BIN)/ruff check pipeline flows tests

clean:
	rm -rf $(VENV) .prefect data/output
