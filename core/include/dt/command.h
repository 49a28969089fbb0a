/* SPDX-License-Identifier: MIT */
/*
 * dt/command.h: running a program without a shell, under a deadline.
 *
 * One helper for everything in DT that runs a command: the local
 * platform's ip/tc/iptables and its node processes, the k8s platform's
 * helm and exec credential plugins, and dt-agent's orders in a pod's
 * network namespace.  dt_command_run() forks and execs argv (never a
 * shell: a value from a YAML file can not become a command), reads its
 * output into a bounded buffer and/or appends it to a log file, kills it
 * (its whole process group) when the deadline passes, reaps it, and turns
 * the status into a return value or an error sentence that names the
 * command ("helm: no answer after 30 s", "ip: command not found").
 * dt_command_spawn() starts a program in the background instead.
 *
 * Depends on libc only (no libdt state): dt-agent, a standalone binary,
 * compiles core/lib/command.c in as a source file.
 *
 * Threads: callable from any thread at the same time.  Between fork and
 * exec the child does only async-signal-safe things (sigaction, prctl,
 * setpgid or setsid, dup2, setns, chdir, close_range, execve, and a
 * write to report a failed step); everything that allocates
 * (resolving the program in PATH, opening the namespace or the log) is
 * done before the fork, and every descriptor it opens is close-on-exec.
 * Every fd >= 3 the caller has open is closed in the child, so no
 * history, socket or listener leaks into a program that may outlive us.
 * Signals are blocked across the fork and reset to their defaults in the
 * child, so none of the caller's handlers runs there.
 *
 * Ownership: every pointer in a dt_command is borrowed for the call; the
 * results are plain values.  Assumes the caller's fds 0, 1 and 2 are open
 * (to anything), as in every DT program.  err is a buffer of
 * DT_ERRBUF_SIZE bytes, as everywhere in DT.
 */
#ifndef DT_COMMAND_H
#define DT_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* dt-agent includes this header alone (without dt/types.h). */
#ifndef DT_ERRBUF_SIZE
#define DT_ERRBUF_SIZE 512
#endif
#ifndef DT_EXTERN
#define DT_EXTERN __attribute__((visibility("default")))
#endif

/*
 * What to run and how.  Zero-initialise it and set what you need: the
 * zero value of every member is the usual choice.
 */
typedef struct dt_command {
	/* argv[0] is looked up in PATH, then /usr/local/sbin, /usr/sbin,
	 * /sbin, /usr/bin and /bin (ip, tc and iptables live in sbin and a
	 * user's PATH may lack them); with a '/' it is used as it is. */
	const char *const *argv;    /* NULL-terminated */
	char *const *envp;          /* the environment; NULL: ours */
	/* A network namespace to enter before exec: a name under
	 * /run/netns (as `ip netns` makes them) or, with a '/', a path
	 * such as /proc/PID/ns/net.  netns_fd > 0 (an open namespace)
	 * takes its place.  Both unset: ours. */
	const char *netns;
	int netns_fd;
	const char *cwd;            /* working directory, or NULL: ours */
	bool keep_stdin;            /* ours (a terminal); else /dev/null */
	bool keep_stderr;           /* ours; else it joins stdout */
	/* Stay in our process group (an interactive program that reads the
	 * terminal needs that).  By default the command gets its own group:
	 * a terminal's ^C stops only DT, which then tears down without an
	 * `ip` or `tc` killed half way, and the deadline kills the whole
	 * group (a shell and what it started). */
	bool same_group;
	double timeout;             /* seconds; <= 0: no deadline */

	/* Where the output (stdout, and stderr unless keep_stderr) goes:
	 * out gets it NUL-terminated, cut to outlen - 1 bytes (the first
	 * ones, or with keep_tail the last ones, where a program says why
	 * it failed); log_path (created 0644) gets all of it appended.
	 * Neither: it is read and dropped. */
	char *out;
	size_t outlen;
	bool keep_tail;
	const char *log_path;

	/* dt_command_spawn() only: kill the program (SIGKILL) when the
	 * thread that started it ends, so that it can not outlive a DT
	 * that dies before it recorded the pid. */
	bool die_with_parent;

	/* Results, set by the call. */
	pid_t pid;                  /* the child, 0 when none was started */
	int signal;                 /* the signal that ended it, or 0 */
	size_t outused;             /* bytes now in out */
	int errnum;                 /* with -1: ENOENT when argv[0] was not
				       found, ETIMEDOUT when the deadline
				       passed, else the errno of the step
				       that failed */
	void *reserved[4];          /* callers allocate it: frozen at ABI 2 */
} dt_command;

/*
 * Run cmd->argv and wait until it ends and its output is read, or the
 * deadline passes (then the command's process group is killed with
 * SIGKILL and reaped).  Blocks the calling thread on the pipe, on the
 * child and, briefly, on its exec.
 *
 * Returns the exit status, 128 + the signal when a signal ended it (one
 * of ours at the deadline excepted), or -1 with err naming the command
 * ("ip: command not found", "helm: no answer after 30 s", "iptables:
 * could not enter network namespace /proc/42/ns/net: ...") and errnum
 * set, when it could not run or did not end in time.
 */
DT_EXTERN int dt_command_run(dt_command *cmd, char *err);

/*
 * Start cmd->argv in the background in its own session (so a terminal's
 * ^C reaches only DT), stdin /dev/null, stdout and stderr appended to
 * log_path (NULL: /dev/null), in netns and cwd as for dt_command_run;
 * with die_with_parent as documented above.  timeout, out and the
 * keep_* and same_group members are ignored.  The caller reaps it.
 * Returns the pid (also in cmd->pid), or -1 with err: a child that
 * could not enter its namespace or directory, or exec, is reaped and
 * reported here.
 */
DT_EXTERN pid_t dt_command_spawn(dt_command *cmd, char *err);

/*
 * dt_command_spawn with pipes: the program's stdin, stdout and, when
 * errfd is not NULL, its stderr are pipes whose other ends come back in
 * *in (to write to), *out and *errfd (to read from), all close-on-exec
 * and blocking; the caller closes them.  With errfd NULL, stderr is
 * appended to log_path (NULL: /dev/null).  Its own session, netns, cwd
 * and die_with_parent as for dt_command_spawn.  A program that speaks a
 * protocol on its stdin and stdout (the exec client's) runs this way.
 * Returns the pid, or -1 with err and every fd -1 (a child that could
 * not start is reaped).  The caller reaps it; writing to a program that
 * has exited raises SIGPIPE, which the caller ignores or blocks.
 */
DT_EXTERN pid_t dt_command_spawn_pipes(dt_command *cmd, int *in, int *out,
				       int *errfd, char *err);

#ifdef __cplusplus
}
#endif
#endif /* DT_COMMAND_H */
