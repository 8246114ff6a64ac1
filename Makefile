# umllab: build, test and install.
#   make            build ./umllab
#   make check      unit tests, then end-to-end tests with real UML
#   make asan       the whole suite under AddressSanitizer and UBSan
#   make handouts   every handout in labs/ followed as written (check follows five)
#   make install    PREFIX=/usr/local DESTDIR= (the same files as the package)
#   make deb        the Debian package, in $(BUILD)/deb/ (debian/)
.SUFFIXES:

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/umllab
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/umllab
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DESTDIR ?=

# The version has one place, debian/changelog's first entry: `umllab
# --version`, the man pages and the package all say what it says.
VERSION := $(shell sed -n '1s/^[^ ]* .\([^ ]*\). .*/\1/p' debian/changelog)
VERSION_DATE := $(shell date -u -d "$$(sed -n 's/^ -- .*>  //p' debian/changelog | head -n 1)" +%Y-%m-%d)
CC ?= cc
# The guest agent is a static program that runs inside UML: never sanitized.
GUEST_CC ?= gcc
BUILD ?= build

CFLAGS ?= -O2 -g
WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -I. $(SANFLAGS) $(CFLAGS)
YAML_CFLAGS := $(shell pkg-config --cflags yaml-0.1 2>/dev/null)
YAML_LIBS := $(shell pkg-config --libs yaml-0.1 2>/dev/null || echo -lyaml)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)
CURL_LIBS := $(shell pkg-config --libs libcurl 2>/dev/null || echo -lcurl)
CRYPTO_LIBS := $(shell pkg-config --libs libcrypto 2>/dev/null || echo -lcrypto)
# The web page's server (core/web): libwebsockets on libev (libwebsockets-evlib-ev).
LWS_LIBS := $(shell pkg-config --libs libwebsockets 2>/dev/null || echo -lwebsockets)
LIBS = $(YAML_LIBS) $(CURL_LIBS) $(CRYPTO_LIBS) $(LWS_LIBS) -lpcap -lev -lpthread

SRCS := $(wildcard cmd/*.c core/*/*.c switch/*.c mconsole/*.c watchdog/*.c image/*.c)
OBJS := $(SRCS:%.c=$(BUILD)/%.o)
GUEST_AGENT := $(BUILD)/guest/umllab-agent

all: umllab

umllab: $(BUILD)/umllab
	cp $(BUILD)/umllab $@.tmp && mv -f $@.tmp $@

$(BUILD)/umllab: $(OBJS)
	$(CC) $(SANFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(YAML_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/cmd/umllab.o: debian/changelog
$(BUILD)/cmd/umllab.o: ALL_CFLAGS += -DUMLLAB_VERSION='"$(VERSION)"'

# The guest files are embedded in the binary (image/guest_files.c uses .incbin).
$(BUILD)/image/guest_files.o: $(GUEST_AGENT) image/guest/inittab image/guest/systemctl.sh
$(BUILD)/image/guest_files.o: ALL_CFLAGS += -DGUEST_AGENT_PATH='"$(GUEST_AGENT)"'

# Where `make install` puts the web page's files (core/web/page), and where the binary looks first.
WEB_DATADIR ?= $(DATADIR)
$(BUILD)/core/web/web_page.o: ALL_CFLAGS += -DWEB_DATADIR='"$(WEB_DATADIR)"'

GUEST_AGENT_SRCS = image/guest/agent.c image/guest/boot.c image/guest/boot_params.c image/guest/netwatch.c \
	image/guest/kathara.c image/guest/ra.c image/guest/frr.c image/guest/frr_daemons.c \
	image/guest/guest_util.c image/guest/cmd_words.c
$(GUEST_AGENT): $(GUEST_AGENT_SRCS) image/guest/agent_proto.h image/guest/boot.h image/guest/boot_params.h \
	image/guest/netwatch.h image/guest/kathara.h image/guest/ra.h image/guest/frr.h image/guest/frr_daemons.h \
	image/guest/guest_util.h image/guest/cmd_words.h core/base/eui64.h
	@mkdir -p $(@D)
	$(GUEST_CC) -std=c11 -D_GNU_SOURCE $(WARN) -I. -Os -static -s -o $@ $(GUEST_AGENT_SRCS)

# ---- unit tests: each links only the module under test ----
UNIT_TESTS = test_topology test_mconsole test_fdb test_daemon_proto test_switch test_watchdog test_graph \
	test_sha256 test_log test_pcapng test_linkcond test_filter_names test_bootsched test_checks_spec test_check_report test_grade \
	test_vxlan test_slurm test_boot_params test_filter test_echo_judge test_web_auth test_labdir test_guest_net test_rstp \
	test_frr_daemons test_cmd_words test_kernel_line
# The topology loader: the lab model, the YAML tree, the checks (tree -> struct lab), lab_load.
TOPOLOGY_OBJS = core/lab/lab.o core/lab/topology.o core/lab/topology_tree.o core/lab/topology_check.o \
	core/lab/topology_check_values.o core/lab/topology_check_capture.o core/lab/topology_check_link.o \
	core/lab/topology_check_switch.o core/lab/topology_check_image.o core/lab/topology_check_disk.o \
	core/lab/topology_check_instance.o core/lab/topology_check_addr.o core/lab/topology_check_order.o \
	core/lab/labdir.o core/lab/labdir_conf.o core/lab/topology_check_vlan.o
test_topology_OBJS = $(TOPOLOGY_OBJS) switch/linkcond.o switch/vxlan.o core/base/util.o
test_labdir_OBJS = $(TOPOLOGY_OBJS) switch/linkcond.o switch/vxlan.o core/base/util.o
test_guest_net_OBJS = core/supervisor/guest_net.o core/lab/lab.o core/base/util.o
test_mconsole_OBJS = mconsole/codec.o mconsole/agent.o mconsole/socket.o core/base/util.o
test_fdb_OBJS = switch/fdb.o
test_rstp_OBJS = switch/rstp.o
test_watchdog_OBJS = watchdog/policy.o watchdog/liveness.o watchdog/probe.o mconsole/codec.o mconsole/socket.o \
	core/base/proc.o core/base/util.o
test_watchdog_LIBS = -lev
test_daemon_proto_OBJS = switch/daemon_proto.o core/base/util.o
# The switch's own files (switch/switch_int.h): a test that links one links them all.
SWITCH_OBJS = switch/switch.o switch/port.o switch/forward.o switch/tap.o switch/cond.o switch/cable.o switch/vlan.o switch/stp.o switch/rstp.o
test_switch_OBJS = $(SWITCH_OBJS) switch/fdb.o switch/daemon_proto.o switch/linkcond.o switch/trunk.o \
	switch/vxlan.o core/base/util.o
test_sha256_OBJS = image/sha256.o
test_sha256_LIBS = $(CRYPTO_LIBS)
test_graph_OBJS = core/lab/graph.o $(TOPOLOGY_OBJS) switch/linkcond.o switch/vxlan.o core/base/util.o
test_log_OBJS = core/base/log.o core/base/util.o
test_pcapng_OBJS = core/capture/pcapng.o core/capture/frame_text.o core/base/util.o
test_checks_spec_OBJS = core/checks/checks_spec.o $(TOPOLOGY_OBJS) switch/linkcond.o switch/vxlan.o core/base/util.o
test_check_report_OBJS = core/checks/check_report.o core/base/json.o core/base/util.o
test_echo_judge_OBJS = core/checks/echo_judge.o core/base/util.o
test_linkcond_OBJS = switch/linkcond.o core/base/util.o
test_vxlan_OBJS = switch/vxlan.o switch/trunk.o $(SWITCH_OBJS) switch/fdb.o switch/daemon_proto.o \
	switch/linkcond.o core/base/util.o
test_filter_OBJS = core/capture/filter.o core/base/util.o
test_filter_LIBS = -lev
test_web_auth_OBJS = core/web/web_auth.o core/base/util.o
test_filter_names_OBJS = core/lab/filter_names.o core/base/util.o
test_bootsched_OBJS = core/supervisor/bootsched.o
test_boot_params_OBJS = image/guest/boot_params.o
test_frr_daemons_OBJS = image/guest/frr_daemons.o
test_cmd_words_OBJS = image/guest/cmd_words.o
test_kernel_line_OBJS = core/storage/kernel_line.o core/storage/disk_path.o core/base/state.o image/guest/boot_params.o \
	$(TOPOLOGY_OBJS) switch/linkcond.o switch/vxlan.o core/base/util.o
test_slurm_OBJS = core/cluster/slurm.o core/base/subproc.o core/lab/lab_split.o $(TOPOLOGY_OBJS) \
	switch/linkcond.o switch/vxlan.o core/base/util.o
test_grade_OBJS = core/grade/grade.o core/grade/grade_step.o core/checks/check_report.o core/grade/grade_report.o core/grade/grade_lab.o core/grade/grade_policy.o core/grade/grade_fs.o core/base/json.o core/base/proc.o core/base/state.o \
	$(TOPOLOGY_OBJS) switch/linkcond.o switch/vxlan.o core/base/util.o

UNIT_BINS = $(UNIT_TESTS:%=$(BUILD)/tests/%)
$(BUILD)/tests/%: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(YAML_CFLAGS) -o $@ $< $(addprefix $(BUILD)/,$($*_OBJS)) $($*_LIBS) $(YAML_LIBS) $(CMOCKA_LIBS) -lpcap -lpthread
.SECONDEXPANSION:
$(UNIT_BINS): $$(addprefix $(BUILD)/,$$($$(notdir $$@)_OBJS))

# A daemon-protocol client for any switch (interop checks, later a load generator).
$(BUILD)/swprobe: tests/tools/swprobe.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ tests/tools/swprobe.c -lpthread

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

e2e: $(BUILD)/umllab
	UMLLAB=$(CURDIR)/$(BUILD)/umllab tests/e2e/run.sh

# The fuzzers run in check once; `make asan` passes CHECK_FUZZ= (they are sanitized already).
CHECK_FUZZ ?= fuzz-smoke
check: layers unit $(BUILD)/swprobe $(CHECK_FUZZ) e2e

# The tree against docs/architecture.md: includes point down, no circles, no
# file over 800 lines without a reason (tests/tools/layers.py).
layers:
	python3 tests/tools/layers.py

# A large lab: t_large with 100 instances (check runs it with 40, about 10 s;
# 100 take 20-40 s more, which CI's whole suite cannot spare).
large: $(BUILD)/umllab
	UMLLAB=$(CURDIR)/$(BUILD)/umllab UMLLAB_TEST_LARGE_N=100 tests/e2e/run.sh t_large

# Every handout followed as written (t_handouts; check follows five of them,
# fig1, arp-fault, troubleshoot, tcp-conditions and capture, in 1 to 2 minutes).
handouts: $(BUILD)/umllab
	UMLLAB=$(CURDIR)/$(BUILD)/umllab UMLLAB_TEST_HANDOUTS=all tests/e2e/run.sh t_handouts

.PHONY: large

# Time from each kind of fault to the instance answering ping again (a benchmark, not a test).
bench-watchdog: $(BUILD)/umllab
	UMLLAB=$(CURDIR)/$(BUILD)/umllab tests/bench/watchdog.sh

# Figure 1 up, pinging both ways, then down again (labs/demo.sh).
demo: umllab
	labs/demo.sh

# Benchmarks (never part of check): bring-up, switches side by side with
# uml_switch and vde_switch, guests, control path, footprint. One table,
# written with the plot to $(BUILD)/bench/. Needs gnuplot (gnuplot-nox).
# BENCH_ARGS=--quick for a short trial run.
bench: $(BUILD)/umllab $(BUILD)/swprobe
	UMLLAB=$(CURDIR)/$(BUILD)/umllab SWPROBE=$(CURDIR)/$(BUILD)/swprobe OUT=$(CURDIR)/$(BUILD)/bench \
		tests/bench/run.sh $(BENCH_ARGS)

.PHONY: bench

# A soak (never part of check): SOAK_INSTANCES instances, random faults and traffic
# for SOAK_SECONDS; reports lost pings, stuck instances, supervisor fd/RSS growth.
# SOAK_SEED=N repeats a run. Report in $(BUILD)/soak/; method in docs/soak.md.
SOAK_SECONDS ?= 300
SOAK_INSTANCES ?= 20
soak: $(BUILD)/umllab
	UMLLAB=$(CURDIR)/$(BUILD)/umllab python3 tests/soak/soak.py --seconds $(SOAK_SECONDS) \
		--instances $(SOAK_INSTANCES) $(if $(SOAK_SEED),--seed $(SOAK_SEED)) --out $(CURDIR)/$(BUILD)/soak \
		--rev "$$(git describe --always --dirty 2>/dev/null)" $(SOAK_ARGS)

.PHONY: soak

asan:
	UMLLAB_TEST_CYCLES=5 $(MAKE) BUILD=build-asan SANFLAGS='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined' CFLAGS='-O1 -g' CHECK_FUZZ= check

# ---- fuzzing: libFuzzer harnesses (clang), each linked only with the module it fuzzes ----
#   make fuzz         each harness for FUZZ_SECONDS (default 60) on build-fuzz/corpus/NAME,
#                     a copy of its seed corpus tests/fuzz/corpus/NAME (it grows across runs)
#   make fuzz-smoke   each harness over its seed corpus once, then FUZZ_SMOKE_SECONDS (part of check)
# A crash or a broken invariant fails make; the input is left in build-fuzz/artifacts/,
# the fuzzer's output in build-fuzz/log/. Replay one: build-fuzz/fuzz_NAME INPUT.
FUZZ_CC ?= clang
FUZZ_BUILD = build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 2
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -I. -O1 -g -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_OPTS = -timeout=10 -rss_limit_mb=1024 -print_final_stats=1
FUZZERS = topology mconsole_reply agent_msg control daemon_proto checks_spec labdir guest_net
fuzz_topology_OBJS = $(TOPOLOGY_OBJS) switch/linkcond.o switch/vxlan.o core/base/util.o
fuzz_topology_LIBS = $(YAML_LIBS)
fuzz_labdir_OBJS = $(TOPOLOGY_OBJS) switch/linkcond.o switch/vxlan.o core/base/util.o
fuzz_labdir_LIBS = $(YAML_LIBS)
fuzz_guest_net_OBJS = core/supervisor/guest_net.o core/lab/lab.o core/base/util.o
fuzz_checks_spec_OBJS = core/checks/checks_spec.o $(TOPOLOGY_OBJS) switch/linkcond.o switch/vxlan.o core/base/util.o
fuzz_checks_spec_LIBS = $(YAML_LIBS)
fuzz_mconsole_reply_OBJS = mconsole/codec.o
fuzz_agent_msg_OBJS = mconsole/agent.o
fuzz_control_OBJS = core/base/control.o core/base/util.o
fuzz_daemon_proto_OBJS = switch/daemon_proto.o core/base/util.o
FUZZ_BINS = $(FUZZERS:%=$(FUZZ_BUILD)/fuzz_%)
FUZZ_OBJS = $(sort $(foreach f,$(FUZZERS),$(addprefix $(FUZZ_BUILD)/,$(fuzz_$(f)_OBJS))))

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(YAML_CFLAGS) -MMD -MP -c -o $@ $<
$(FUZZ_BINS): $(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $$(addprefix $(FUZZ_BUILD)/,$$(fuzz_$$*_OBJS))
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(YAML_CFLAGS) -MMD -MP -o $@ $< \
		$(addprefix $(FUZZ_BUILD)/,$(fuzz_$*_OBJS)) $(fuzz_$*_LIBS)

# One harness: its dictionary if it has one; on failure the log's end and the crash input.
FUZZ_DICT = $$([ -f tests/fuzz/$*.dict ] && echo -dict=tests/fuzz/$*.dict)
FUZZ_RUN = mkdir -p $(FUZZ_BUILD)/artifacts $(FUZZ_BUILD)/log; \
	if ! $(FUZZ_BUILD)/fuzz_$* $(FUZZ_OPTS) $(FUZZ_DICT) \
	    -artifact_prefix=$(FUZZ_BUILD)/artifacts/fuzz_$*- $(1) >$(FUZZ_BUILD)/log/$*$(2).log 2>&1; then \
		tail -n 40 $(FUZZ_BUILD)/log/$*$(2).log; \
		echo "fuzz_$*: FAILED; input in $(FUZZ_BUILD)/artifacts/, log $(FUZZ_BUILD)/log/$*$(2).log"; exit 1; \
	fi; grep -h '^stat::number_of_executed_units' $(FUZZ_BUILD)/log/$*$(2).log | sed 's/^/fuzz_$*: /'

fuzz: $(FUZZERS:%=fuzz-run-%)
fuzz-smoke: $(FUZZERS:%=fuzz-smoke-%)

$(FUZZERS:%=fuzz-run-%): fuzz-run-%: $(FUZZ_BUILD)/fuzz_%
	@echo "== fuzz_$* for $(FUZZ_SECONDS) s"
	@mkdir -p $(FUZZ_BUILD)/corpus/$* && cp -R tests/fuzz/corpus/$*/. $(FUZZ_BUILD)/corpus/$*/
	@$(call FUZZ_RUN,-max_total_time=$(FUZZ_SECONDS) $(FUZZ_BUILD)/corpus/$*)

# The seed corpus once (each file, nothing written), then a short run on a fresh copy.
$(FUZZERS:%=fuzz-smoke-%): fuzz-smoke-%: $(FUZZ_BUILD)/fuzz_%
	@echo "== fuzz_$*: seed corpus, then $(FUZZ_SMOKE_SECONDS) s"
	@$(call FUZZ_RUN,tests/fuzz/corpus/$*/*,-seeds)
	@rm -rf $(FUZZ_BUILD)/smoke/$* && mkdir -p $(FUZZ_BUILD)/smoke/$* && \
		cp -R tests/fuzz/corpus/$*/. $(FUZZ_BUILD)/smoke/$*/
	@$(call FUZZ_RUN,-max_total_time=$(FUZZ_SMOKE_SECONDS) $(FUZZ_BUILD)/smoke/$*,-smoke)

.PHONY: fuzz fuzz-smoke $(FUZZERS:%=fuzz-run-%) $(FUZZERS:%=fuzz-smoke-%)
-include $(FUZZ_OBJS:.o=.d) $(FUZZ_BINS:=.d)

# ---- man pages (pandoc) and shell completion ----
# umllab(1) is the commands' own --help, README's "Where things are" and a
# hand-written frame (docs/man/umllab.1.md, docs/man/mkman.py);
# umllab-topology(5) and umllab-checks(5) are docs/topology.md and
# docs/checks.md. docs/man/man.lua makes man pages of them.
MAN_PAGES = $(BUILD)/man/umllab.1 $(BUILD)/man/umllab-topology.5 $(BUILD)/man/umllab-checks.5
PANDOC_MAN = pandoc -s -f markdown-smart -t man --lua-filter docs/man/man.lua \
	-M date='$(VERSION_DATE)' -M footer='umllab $(VERSION)' -M header='umllab manual' \
	-M datadir='$(DATADIR)' -M docdir='$(DOCDIR)'
man: $(MAN_PAGES)

# The pages name the installed paths: remade when they change.
$(BUILD)/man/paths: FORCE
	@mkdir -p $(@D)
	@echo '$(DATADIR) $(DOCDIR) $(VERSION) $(VERSION_DATE)' | cmp -s - $@ || \
		echo '$(DATADIR) $(DOCDIR) $(VERSION) $(VERSION_DATE)' >$@
$(MAN_PAGES): docs/man/man.lua $(BUILD)/man/paths
$(BUILD)/man/umllab.1: $(BUILD)/umllab docs/man/umllab.1.md docs/man/mkman.py README.md
	python3 docs/man/mkman.py $(BUILD)/umllab docs/man/umllab.1.md README.md '$(DATADIR)' '$(DOCDIR)' >$@.md
	$(PANDOC_MAN) -M title=umllab -M section=1 -o $@.tmp $@.md && mv -f $@.tmp $@
$(BUILD)/man/umllab-topology.5: docs/topology.md
	$(PANDOC_MAN) -M title=umllab-topology -M section=5 -M name=umllab-topology \
		-M whatis='the YAML file that describes a umllab lab' -o $@ docs/topology.md
$(BUILD)/man/umllab-checks.5: docs/checks.md
	$(PANDOC_MAN) -M title=umllab-checks -M section=5 -M name=umllab-checks \
		-M whatis="what a working umllab lab must do, written as data" -o $@ docs/checks.md

# The bash completion holds the commands' --help texts, so a Tab runs nothing.
COMPLETION = $(BUILD)/completion/umllab
completion: $(COMPLETION)
$(COMPLETION): cmd/completion/umllab.bash cmd/completion/mkcompletion.py $(BUILD)/umllab
	@mkdir -p $(@D)
	python3 cmd/completion/mkcompletion.py $(BUILD)/umllab cmd/completion/umllab.bash >$@.tmp && mv -f $@.tmp $@

# ---- install: what the Debian package holds, nothing else ----
# The program (the guest agent is inside it), the example labs and their
# handouts, the man pages, bash completion, README and docs/ (docs/dev/ is
# for umllab's own developers and stays out); DOCDIR/labs points at the labs,
# so README's links to them work there too.
LAB_FILES = $(wildcard labs/*.yaml labs/*.md)
LAB_SCRIPTS = $(filter-out labs/demo.sh,$(wildcard labs/*.sh))
LAB_CLASS = $(wildcard labs/grading-class/*/*)
DOC_FILES = $(wildcard docs/*.md docs/*.png)
install: $(BUILD)/umllab $(MAN_PAGES) $(COMPLETION)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/labs/hostfs-share $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(DOCDIR)/docs \
		$(DESTDIR)$(WEB_DATADIR)/web
	install -m 755 $(BUILD)/umllab $(DESTDIR)$(BINDIR)/umllab
	install -m 644 core/web/page/* $(DESTDIR)$(WEB_DATADIR)/web/
	install -m 644 $(LAB_FILES) $(DESTDIR)$(DATADIR)/labs/
	install -m 644 labs/hostfs-share/* $(DESTDIR)$(DATADIR)/labs/hostfs-share/
	install -m 755 $(LAB_SCRIPTS) $(DESTDIR)$(DATADIR)/labs/
	for f in $(LAB_CLASS); do install -D -m 644 $$f $(DESTDIR)$(DATADIR)/$$f || exit 1; done
	install -m 644 $(BUILD)/man/umllab.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(BUILD)/man/umllab-topology.5 $(BUILD)/man/umllab-checks.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 $(COMPLETION) $(DESTDIR)$(BASHCOMPDIR)/umllab
	install -m 644 README.md $(DESTDIR)$(DOCDIR)/
	install -m 644 $(DOC_FILES) $(DESTDIR)$(DOCDIR)/docs/
	ln -sfn "$$(realpath -m --relative-to='$(DOCDIR)' '$(DATADIR)')/labs" $(DESTDIR)$(DOCDIR)/labs

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/umllab $(DESTDIR)$(MANDIR)/man1/umllab.1 \
		$(DESTDIR)$(MANDIR)/man5/umllab-topology.5 $(DESTDIR)$(MANDIR)/man5/umllab-checks.5 \
		$(DESTDIR)$(BASHCOMPDIR)/umllab
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(WEB_DATADIR)/web

# ---- the Debian package ----
# Built as an ordinary user from a copy of the tree in $(BUILD)/deb (so
# dpkg-buildpackage writes nothing beside the checkout), then lintian: an
# error or a warning it was not told about (debian/umllab.lintian-overrides)
# fails. DEB_BUILD_OPTIONS=nocheck skips the unit tests.
DEB_DIR = $(BUILD)/deb
DEB_SRC = Makefile README.md cmd core switch mconsole watchdog image labs docs debian tests
DEB_FILE = $(DEB_DIR)/umllab_$(VERSION)_$(shell dpkg --print-architecture 2>/dev/null).deb
deb:
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/umllab-$(VERSION)
	tar -c --exclude='*.o' --exclude='*.d' --exclude=debian/umllab --exclude=debian/umllab-dbgsym \
		--exclude=debian/.debhelper --exclude=debian/files $(DEB_SRC) | tar -x -C $(DEB_DIR)/umllab-$(VERSION)
	cd $(DEB_DIR)/umllab-$(VERSION) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		DEB_BUILD_OPTIONS="$${DEB_BUILD_OPTIONS-parallel=2}" dpkg-buildpackage -us -uc -b
	lintian --fail-on error,warning $(DEB_DIR)/umllab_$(VERSION)_*.changes
	@echo "deb: $(DEB_FILE)"

clean:
	rm -rf build build-asan build-fuzz umllab

.PHONY: all layers unit e2e check handouts demo bench-watchdog asan man completion install uninstall deb clean FORCE

-include $(OBJS:.o=.d)
