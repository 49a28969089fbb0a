/* SPDX-License-Identifier: MIT */
/*
 * robust.h: helpers the robustness tests share: a private temporary
 * folder, files written into it, and dt-run started without a shell.
 */
#ifndef DT_TESTS_ROBUST_H
#define DT_TESTS_ROBUST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <criterion/parameterized.h>

/* Make a fresh /tmp/dt-robust-XXXXXX; returns it (static storage). */
const char *rb_tmpdir(void);
/* rm -rf the folder made by rb_tmpdir() (no shell). */
void rb_tmpdir_remove(void);

/* Write len bytes to rb_tmpdir()/name; returns the path (malloc'd). */
char *rb_write(const char *name, const void *data, size_t len);
char *rb_write_str(const char *name, const char *text);

/* Read a whole file; NULL when it cannot.  *len may be NULL. */
char *rb_read(const char *path, size_t *len);

/* The dt-run of the build. */
const char *rb_dt_run(void);

typedef struct rb_proc {
	pid_t pid;
	int out;      /* stdout+stderr of the child, read end */
} rb_proc;

/* Start argv[0] with argv (no shell); stdout and stderr to a pipe. */
int rb_spawn(rb_proc *p, const char *const *argv, const char *file_limit);
/* Read the pipe to EOF into buf (NUL-terminated), wait; the raw wait
 * status. */
int rb_finish(rb_proc *p, char *buf, size_t size);
/* Spawn and finish: exit status, or 128+signal. */
int rb_run(char *buf, size_t size, const char *const *argv);

/* Criterion runs each case of a parameterized test in a process of its
 * own: the parameters are indexes into the caller's table, not pointers. */
struct criterion_test_params rb_index_params(size_t n);

/* Copy src to dst (size bytes) with the temporary folder as "DIR". */
void rb_with_dir(char *dst, size_t size, const char *src);
/* The processes whose parent is pid (what dt-run started: node
 * processes, dt-faultfs daemons), at most max of them into out. */
size_t rb_children_of(pid_t parent, pid_t *out, size_t max);

/* remove a tree (no shell) */
void rb_rmtree(const char *path);

#endif
