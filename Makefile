# Floodwatch: `make run` serves the demo, `make test` runs the whole suite.
# Both install what they need on a fresh Debian 12 machine (as root), and
# skip what is already there.

VENV      := .venv
PY        := $(VENV)/bin/python
HOST      ?= 127.0.0.1:8000
DEB_PACKAGES := gdal-bin libgdal32 libgeos-c1v5 libproj25 proj-data libsqlite3-mod-spatialite \
	libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk python3-venv gettext \
	poppler-utils zbar-tools libzbar0 chromium postgresql-client-15

.PHONY: run serve worker test setup system-packages migrate static demo bench bench-pdf bench-scale report-font messages clean

# Floodwatch is production unless told otherwise (DEBUG off, SECRET_KEY required).
# The development targets ask for DEBUG themselves; `make test` does not (the
# suite sets FLOODWATCH_TESTING, which brings its own key). DEBUG=0 in the
# environment still wins.
run migrate static demo bench bench-pdf bench-scale report-font messages locale/zh_Hans/LC_MESSAGES/django.mo: export DEBUG ?= 1

run: setup demo
	@echo ""
	@echo "Floodwatch is at http://$(HOST)/  (stop with Ctrl-C)"
	@echo "Demo logins, all with the password floodwatch-demo:"
	@echo "  inspector   reports hazards on the map"
	@echo "  engineer, engineer2   update clearance works"
	@echo "  leader      reads and downloads risk lists"
	@echo "  admin       everything, including /admin/"
	@echo "Notices (calls to confirm, escalations) are printed here as e-mails."
	@echo ""
	$(PY) manage.py serve --dev --bind $(HOST)

# Production serving on this machine: gunicorn (WEB_WORKERS, default 2 x cores + 1) and WhiteNoise, with
# the job worker beside it; Ctrl-C stops both. Settings from the environment, DEBUG off:
#   SECRET_KEY=... ALLOWED_HOSTS=127.0.0.1 SITE_URL=http://127.0.0.1:8000 SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0 make serve
# (README, Deployment: those two only for a local run with no HTTPS proxy in front).
WEB_WORKERS ?= $(shell echo $$((2 * $$(nproc) + 1)))
serve: system-packages $(VENV)/.requirements messages migrate static report-font
	$(PY) manage.py serve --bind $(HOST) --workers $(WEB_WORKERS)

# One more job worker, e.g. on another machine with JOBS_BACKEND=rq and REDIS_URL.
worker: $(VENV)/.requirements
	$(PY) manage.py jobs_worker

test: setup
	FLOODWATCH_TESTING=1 $(PY) -m pytest $(PYTEST_ARGS)

# Every benchmark (the map layer, patrol coverage, the risk-list PDF, scale), each beside its baseline.
bench: setup
	$(PY) -m bench

# 100,000 generated hazards (BENCH_SCALE_N), the map and API at that size, then 50 users for 60 s (bench/load.py);
# the table goes to var/bench/scale-<database>-<N>.json. With DATABASE_URL, on PostGIS.
bench-scale: setup
	$(PY) -m bench.scale

# Time and peak memory of the risk-list PDF for 10, 200 and 1,000 stops, beside a bare WeasyPrint table.
bench-pdf: setup
	$(PY) -m bench.pdf

setup: system-packages $(VENV)/.requirements node_modules/.package-lock.json messages migrate static report-font

# axe-core for the accessibility tests, from package-lock.json (npm ci), again only when the lock changes.
# Debian's nodejs and npm are installed only where no npm is found.
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { \
		if [ "$$(id -u)" != 0 ]; then echo "Install npm (Debian: apt-get install nodejs npm) or run as root." >&2; exit 1; fi; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs npm; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Installs only the Debian packages that are missing.
system-packages:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		if [ "$$(id -u)" != 0 ]; then echo "Run as root (or install these packages first)." >&2; exit 1; fi; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

# The virtualenv comes from Debian's Python: pyenv and source builds often
# lack sqlite3 extension loading, and SpatiaLite cannot load without it.
$(PY):
	/usr/bin/python3 -m venv $(VENV)
	@$(PY) -c "import sqlite3; sqlite3.connect(':memory:').enable_load_extension(True)" 2>/dev/null || { \
		echo "This Python's sqlite3 cannot load extensions, so SpatiaLite cannot work. Use Debian's /usr/bin/python3." >&2; \
		rm -rf $(VENV); exit 1; }

$(VENV)/.requirements: requirements.txt | $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

messages: locale/zh_Hans/LC_MESSAGES/django.mo

locale/zh_Hans/LC_MESSAGES/django.mo: locale/zh_Hans/LC_MESSAGES/django.po | $(VENV)/.requirements
	$(PY) manage.py compilemessages -l zh_Hans -v 0

# The CJK face the PDFs embed, cut once from Noto Sans CJK (var/fonts/, about 3 MB; skipped when there).
report-font: | $(VENV)/.requirements
	@$(PY) -m hazards.reports.fonts >/dev/null

migrate: | $(VENV)/.requirements
	$(PY) manage.py migrate -v 0

# WhiteNoise serves static files (Leaflet included) from var/static.
static: | $(VENV)/.requirements
	$(PY) manage.py collectstatic --noinput -v 0

demo: migrate
	$(PY) manage.py load_demo

clean:
	rm -rf $(VENV) var node_modules
