# LessonLens: common tasks. `make demo` and `make test` are the README's quick start.
SWIFT ?= swift
DEMO_FILE ?= SampleMedia/lesson-en-dialogue.mp4
DEMO_OUT ?= out/demo
APT_PACKAGES = pkg-config libavformat-dev libavcodec-dev libswresample-dev libavutil-dev libsqlite3-dev ffmpeg pocketsphinx-testdata minetest-data asterisk-core-sounds-en-wav asterisk-prompt-it-menardi-wav postgresql-15 iproute2 chromium chromium-driver
BENCH_APT = espeak-ng flite sox hyperfine

.PHONY: deps apt-deps python-deps models build serve-demo bench-portal release demo test check-imports bench bench-deps bench-queue eval heldout clean

## deps: install the Debian packages and the model weights LessonLens needs (idempotent; root or sudo for apt).
## pocketsphinx-testdata (real read speech) and minetest-data (real recorded foley) feed the voice-activity tests;
## asterisk-core-sounds-en-wav and asterisk-prompt-it-menardi-wav (two real voices of similar pitch) the speaker test;
## postgresql-15 the queue tests (each run starts a throw-away cluster with initdb + pg_ctl, Tests/TestSupport/PostgresCluster.swift);
## iproute2 (ip netns, veth pairs) the queue test whose workers are hosts in network namespaces (Tests/TestSupport/HostNetwork.swift);
## chromium, chromium-driver and selenium (PyPI) the portal's browser test (Tests/Browser/portal_test.py).
deps: apt-deps python-deps models

## python-deps: selenium (PyPI) for the browser test, for the python3 on PATH (the one the test runs); on a
## Debian python without pip, Debian's python3-selenium instead.
python-deps:
	@python3 -c 'import selenium' 2>/dev/null || python3 -m pip install --quiet selenium 2>/dev/null \
	  || python3 -m pip install --quiet --break-system-packages selenium 2>/dev/null \
	  || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get install -y -qq python3-selenium; }
	@python3 -c 'import selenium' || { echo "python-deps: selenium is not importable by python3"; exit 1; }

## models: the Silero VAD weights from the silero-vad wheel on PyPI, SHA-256 checked (scripts/fetch-models.sh).
models:
	@scripts/fetch-models.sh

apt-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	else echo "deps: all present"; fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product lessonlens

## demo: analyse a sample recording and print where the report is.
demo: release
	.build/release/lessonlens analyze "$(DEMO_FILE)" --out "$(DEMO_OUT)" --lesson-plan "$(basename $(DEMO_FILE)).plan.yml"

## serve-demo: the teacher portal on the analysed samples, demo accounts with random passwords printed at start.
serve-demo: release
	scripts/serve-demo.sh

## bench-portal: wrk against `serve` with 10,000 lessons in the catalog (p99 of the lesson list and a report page).
bench-portal: release
	@command -v wrk >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get install -y -qq wrk; }
	scripts/bench-portal.sh

## check-imports: every import allowed by docs/ARCHITECTURE.md's module table and declared in Package.swift.
check-imports:
	python3 scripts/check-imports.py

## test: check the module graph, build and run every test (Swift Testing).
test: deps check-imports
	$(SWIFT) build --build-tests -Xswiftc -warnings-as-errors
	$(SWIFT) test --skip-build

## bench: speed against ffmpeg / numpy / PySceneDetect on the same files, measured in the same run.
bench: release
	@for p in $(BENCH_APT); do dpkg -s $$p >/dev/null 2>&1 || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get install -y -qq $$p; }; done
	cd Benchmarks && $(SWIFT) build -c release
	Benchmarks/.build/release/LessonLensBench

## bench-queue: the PostgreSQL queue's per-job overhead and the throughput of 1/2/4/8 stub workers and of
## 2 real workers, on a throw-away cluster (scripts/bench-queue.sh; numbers in docs/MEASUREMENTS.md).
bench-queue: release
	scripts/bench-queue.sh .build/release/lessonlens

## eval: accuracy of the committed samples and a freshly generated held-out set against their truth files.
eval: release
	.build/release/lessonlens eval SampleMedia
	SampleMedia/make_heldout.sh SampleMedia/generated/heldout 8
	.build/release/lessonlens eval SampleMedia/generated/heldout
	SampleMedia/make_heldout_audio.sh SampleMedia/generated/heldout-audio
	.build/release/lessonlens eval SampleMedia/generated/heldout-audio/lapel SampleMedia/generated/heldout-audio/soundtrack --pipeline audio-only
	.build/release/lessonlens eval SampleMedia/generated/heldout-audio/lapel --pipeline audio-only --set audio.teacherTrack=1

clean:
	rm -rf .build Benchmarks/.build out

## eval-real: speech/no-speech accuracy on the real-audio set (SampleMedia/real/README.md), next to
## Silero VAD and webrtcvad on the same files (peers for comparison, not the reference).
REAL_SET ?= SampleMedia/generated/real
.PHONY: eval-real
eval-real: release
	@[ -d "$(REAL_SET)/dev" ] && [ -d "$(REAL_SET)/heldout" ] || SampleMedia/real/make_real_set.sh "$(REAL_SET)"
	.build/release/lessonlens eval "$(REAL_SET)/dev" "$(REAL_SET)/heldout" --pipeline audio-only --json "$(REAL_SET)/lessonlens-eval.json"
	@python3 -c 'import webrtcvad' 2>/dev/null || python3 -m pip install --quiet webrtcvad-wheels || echo "webrtcvad not installable: its column is left out"
	python3 SampleMedia/real/reference_vads.py "$(REAL_SET)/dev" "$(REAL_SET)/heldout" --lessonlens "$(REAL_SET)/lessonlens-eval.json"

## speaker-sets: the real-voice speaker sets (SampleMedia/real/README.md, "Speaker set"): held-out (seed 15)
## and dev (seed 16), then their scores; the extra asterisk voices are installed first (not needed by the tests).
SPEAKER_APT = asterisk-core-sounds-es-wav asterisk-core-sounds-fr-wav asterisk-core-sounds-it-wav asterisk-core-sounds-ru-wav asterisk-prompt-es-co asterisk-prompt-fr-armelle
SPEAKER_SET ?= SampleMedia/generated/speakers
.PHONY: speaker-sets
speaker-sets: release
	@missing=""; for p in $(SPEAKER_APT); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get install -y -qq $$missing; fi
	python3 SampleMedia/real/make_speaker_set.py "$(SPEAKER_SET)/heldout"
	python3 SampleMedia/real/make_speaker_set.py "$(SPEAKER_SET)/dev" 16 --split dev
	.build/release/lessonlens eval "$(SPEAKER_SET)/heldout" "$(SPEAKER_SET)/dev" --pipeline audio-only --confusion
