# bash completion for dt-run, dt-check and dtd: core/cli/PROG.bash,
# installed as $(bashcompletiondir)/PROG (bash-completion loads it the
# first time PROG is completed).  The directory is overridable:
#   make install bashcompletiondir=/etc/bash_completion.d

bashcompletiondir = $(datadir)/bash-completion/completions
DT_COMPLETIONS = dt-run dt-check
if BUILD_DTD
DT_COMPLETIONS += dtd
endif
EXTRA_DIST += core/cli/dt-run.bash core/cli/dt-check.bash core/cli/dtd.bash

install-data-local: dt-install-bash-completion
uninstall-local: dt-uninstall-bash-completion

dt-install-bash-completion:
	$(MKDIR_P) '$(DESTDIR)$(bashcompletiondir)'
	for p in $(DT_COMPLETIONS); do \
		$(INSTALL_DATA) "$(srcdir)/core/cli/$$p.bash" "$(DESTDIR)$(bashcompletiondir)/$$p" || exit 1; \
	done
dt-uninstall-bash-completion:
	for p in $(DT_COMPLETIONS); do \
		rm -f "$(DESTDIR)$(bashcompletiondir)/$$p"; \
	done

.PHONY: dt-install-bash-completion dt-uninstall-bash-completion

TESTS += core/cli/check-completion.sh
dist_noinst_SCRIPTS += core/cli/check-completion.sh
