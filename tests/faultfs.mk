# tests of dt-faultfs: the real daemon of the build tree on a real FUSE
# mount (they skip without root or /dev/fuse), driven through the client
# API of faultfs/client.c.
if BUILD_FAULTFS
faultfs_tests = \
	tests/faultfs/test_durability \
	tests/faultfs/test_dirs \
	tests/faultfs/test_faults \
	tests/faultfs/test_mount
check_PROGRAMS += $(faultfs_tests)
TESTS += $(faultfs_tests)

FAULTFS_TEST_SOURCES = tests/faultfs/ffs.h tests/faultfs/ffs.c \
	$(faultfs_client_sources)
FAULTFS_TEST_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/faultfs
FAULTFS_TEST_LIBS = core/libdt.la $(CRITERION_LIBS) $(JANSSON_LIBS) $(PTHREAD_LIBS)

tests_faultfs_test_durability_SOURCES = tests/faultfs/test_durability.c $(FAULTFS_TEST_SOURCES)
tests_faultfs_test_durability_CFLAGS = $(FAULTFS_TEST_CFLAGS)
tests_faultfs_test_durability_LDADD = $(FAULTFS_TEST_LIBS)
tests_faultfs_test_dirs_SOURCES = tests/faultfs/test_dirs.c $(FAULTFS_TEST_SOURCES)
tests_faultfs_test_dirs_CFLAGS = $(FAULTFS_TEST_CFLAGS)
tests_faultfs_test_dirs_LDADD = $(FAULTFS_TEST_LIBS)
tests_faultfs_test_faults_SOURCES = tests/faultfs/test_faults.c $(FAULTFS_TEST_SOURCES)
tests_faultfs_test_faults_CFLAGS = $(FAULTFS_TEST_CFLAGS)
tests_faultfs_test_faults_LDADD = $(FAULTFS_TEST_LIBS)
tests_faultfs_test_mount_SOURCES = tests/faultfs/test_mount.c $(FAULTFS_TEST_SOURCES)
tests_faultfs_test_mount_CFLAGS = $(FAULTFS_TEST_CFLAGS)
tests_faultfs_test_mount_LDADD = $(FAULTFS_TEST_LIBS)
# The daemon under test comes from this build.
EXTRA_tests_faultfs_test_durability_DEPENDENCIES = faultfs/dt-faultfs$(EXEEXT)
EXTRA_tests_faultfs_test_dirs_DEPENDENCIES = faultfs/dt-faultfs$(EXEEXT)
EXTRA_tests_faultfs_test_faults_DEPENDENCIES = faultfs/dt-faultfs$(EXEEXT)
EXTRA_tests_faultfs_test_mount_DEPENDENCIES = faultfs/dt-faultfs$(EXEEXT)
endif
