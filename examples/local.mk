# examples: an out-of-tree plugin (examples/freeze), and the installcheck
# that builds it against a temporary installation of DT and runs it.

EXTRA_DIST += \
	examples/installcheck.sh \
	examples/freeze/README \
	examples/freeze/freeze.c \
	examples/freeze/freeze-mem.yaml \
	examples/freeze/freeze-local.yaml \
	examples/freeze/ticker.yaml \
	examples/freeze/Makefile.plain \
	examples/freeze/configure.ac \
	examples/freeze/Makefile.am

installcheck-local: dt-installcheck-examples
dt-installcheck-examples:
	MAKE='$(MAKE)' CC='$(CC)' top_builddir='$(abs_top_builddir)' \
	srcdir='$(abs_top_srcdir)' bindir='$(bindir)' libdir='$(libdir)' \
	pkglibdir='$(pkglibdir)' pkgdatadir='$(pkgdatadir)' \
	$(SHELL) '$(srcdir)/examples/installcheck.sh'
.PHONY: dt-installcheck-examples

# the exec client's example programs (dt-exec-client(7)), shipped with dt
EXTRA_DIST += examples/exec-client/register.py examples/exec-client/memory.py
