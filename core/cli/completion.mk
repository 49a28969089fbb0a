# bash completion for dt-run: core/cli/dt-run.bash, installed as
# $(bashcompletiondir)/dt-run.  The directory is overridable:
#   make install bashcompletiondir=/etc/bash_completion.d

bashcompletiondir = $(datadir)/bash-completion/completions
EXTRA_DIST += core/cli/dt-run.bash

install-data-local: dt-install-bash-completion
uninstall-local: dt-uninstall-bash-completion

dt-install-bash-completion:
	$(MKDIR_P) '$(DESTDIR)$(bashcompletiondir)'
	$(INSTALL_DATA) '$(srcdir)/core/cli/dt-run.bash' '$(DESTDIR)$(bashcompletiondir)/dt-run'
dt-uninstall-bash-completion:
	rm -f '$(DESTDIR)$(bashcompletiondir)/dt-run'

.PHONY: dt-install-bash-completion dt-uninstall-bash-completion

TESTS += core/cli/check-completion.sh
dist_noinst_SCRIPTS += core/cli/check-completion.sh
