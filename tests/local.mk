# tests: Criterion programs, one file per behaviour area.  Each area has
# its own fragment; this one sets what they share.

# Where tests find the build, the sources and the shared test data
# (../shared/testdata beside the checkout; tests skip when it is absent).
AM_TESTS_ENVIRONMENT = \
	DT_BUILDDIR='$(abs_top_builddir)'; export DT_BUILDDIR; \
	DT_SRCDIR='$(abs_top_srcdir)'; export DT_SRCDIR; \
	DT_TESTDATA='$(abs_top_srcdir)/../shared/testdata'; export DT_TESTDATA; \
	DT_STATE_DIR='$(abs_top_builddir)/tests/state'; export DT_STATE_DIR; \
	LSAN_OPTIONS="suppressions=$(abs_top_srcdir)/tests/robust/lsan.supp $${LSAN_OPTIONS:-}"; \
	export LSAN_OPTIONS; \
	DT_DISABLED='$(DT_DISABLED)'; export DT_DISABLED;

TEST_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) \
	-DTEST_BUILDDIR='"$(abs_top_builddir)"' \
	-DTEST_SRCDIR='"$(abs_top_srcdir)"'
TEST_LIBS = $(ENGINE_LIBS) $(CRITERION_LIBS)
# Test-only plugins are modules that are never installed.
TEST_MODULE_FLAGS = -module -avoid-version -shared -no-undefined -rpath /nowhere

if HAVE_CRITERION
include tests/core.mk
include tests/checker.mk
include tests/platform.mk
include tests/systems.mk
include tests/dtd.mk
include tests/k8s.mk
include tests/robust.mk
include tests/faultfs.mk
endif

# What tests leave in the build tree (screenshots, platform state).
clean-local:
	-rm -rf tests/out tests/state
