/* SPDX-License-Identifier: MIT */
/*
 * signals.c: dt-run's signals.  SIGINT and SIGTERM cancel the run in
 * progress (it heals, tears down and checks what it recorded) and stop a
 * --repeat series; a crash names the plugin it happened in.
 */
#include "config.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "cli.h"

static dt_run *current_run;
static volatile sig_atomic_t stop_requested;

void cli_set_run(dt_run *r)
{
	current_run = r;
}

bool cli_stop_requested(void)
{
	return stop_requested != 0;
}

/*
 * A plugin that crashes takes dt-run with it.  Say where (the shared
 * object holding the faulting instruction) and what is left, then die
 * of the same signal.  results.json is only ever written whole at the
 * end, so no verdict is claimed; the next run (or `dt-run cleanup`)
 * removes what the platform had made.
 */
static void on_crash(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	char msg[1024];
	Dl_info dl = { 0 };
	void *pc = NULL;
	int n;

	(void)si;
#if defined(__x86_64__)
	pc = (void *)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
	pc = (void *)uc->uc_mcontext.pc;
#else
	(void)uc;
#endif
	if (pc != NULL)
		dladdr(pc, &dl);
	/* An abort() or assert() faults in libc: name the plugin that
	 * called it, the innermost frame that lies in a dt_*.so. */
	if (dl.dli_fname == NULL || strstr(dl.dli_fname, "/dt_") == NULL) {
		void *frames[64];
		int nf = backtrace(frames, 64);

		for (int i = 0; i < nf; i++) {
			Dl_info f = { 0 };

			if (dladdr(frames[i], &f) && f.dli_fname != NULL &&
			    strstr(f.dli_fname, "/dt_") != NULL) {
				dl = f;
				break;
			}
		}
	}
	n = snprintf(msg, sizeof(msg), "\ndt-run: fatal: %s in %s%s%s; no verdict was "
		     "written; the history so far is in %s; run `dt-run cleanup` "
		     "to remove what the platform made\n",
		     strsignal(sig), dl.dli_fname ? dl.dli_fname : "dt-run",
		     dl.dli_sname ? " at " : "", dl.dli_sname ? dl.dli_sname : "",
		     current_run && dt_run_dir(current_run) ? dt_run_dir(current_run) :
		     "the store");
	if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0)
		n = 0;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;   /* no next run of a --repeat */
	if (current_run != NULL)
		dt_run_cancel(current_run);
}

void cli_install_signal_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	/* The crash handler runs on its own stack, so that a plugin that
	 * overflows its stack is still named. */
	static char crash_stack[64 * 1024];
	stack_t ss = { .ss_sp = crash_stack, .ss_size = sizeof(crash_stack) };

	sigaltstack(&ss, NULL);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = NULL;
	sa.sa_sigaction = on_crash;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_ONSTACK;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
}
