/*
 * sql_servers.c: PostgreSQL and MariaDB servers for the systems tests,
 * started as their own system users (setpriv) in a temporary folder
 * the users may reach, on 127.0.0.1, without a unix socket for
 * postgres (unix_socket_directories empty) and with the grant tables
 * skipped for mariadb, as the charts run them.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sql_servers.h"

/* fork/exec argv (output to DIR/log) in its own process group; with
 * wait, its exit status, else the pid. */
static int run(const char *dir, char *const *argv, bool wait)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		char log[512];
		int fd;

		snprintf(log, sizeof(log), "%s/log", dir);
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		setpgid(0, 0);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || !wait)
		return pid;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static bool make_dir(sys_server *s, const char *kind)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->kind, sizeof(s->kind), "%s", kind);
	snprintf(s->dir, sizeof(s->dir), "/tmp/dt-test-%s-XXXXXX", kind);
	if (mkdtemp(s->dir) == NULL)
		return false;
	/* the server's user must reach its data below */
	chmod(s->dir, 0755);
	s->port = sys_free_port();
	return true;
}

/* Until a query answers (seconds at most). */
static bool answers(const sys_server *s, double seconds)
{
	double end = sys_now() + seconds;
	char out[64];

	while (sys_now() < end) {
		if (sql_query(s, NULL, "SELECT 'up'", out, sizeof(out)) == 0 &&
		    strstr(out, "up") != NULL)
			return true;
		dt_sleep(0.1);
	}
	return false;
}

bool sql_postgres_start(sys_server *s)
{
	char data[300], port[32];

	if (!make_dir(s, "postgres"))
		return false;
	snprintf(data, sizeof(data), "%s/pg", s->dir);
	snprintf(port, sizeof(port), "port=%d", s->port);
	{
		char *mk[] = { "install", "-d", "-o", "postgres", "-g", "postgres",
			       "-m", "0700", data, NULL };
		char *init[] = { "setpriv", "--reuid=postgres", "--regid=postgres",
				 "--init-groups", "--", "/usr/lib/postgresql/15/bin/initdb",
				 "-D", data, "-U", "postgres", "--auth=trust",
				 "--no-sync", "--locale=C", NULL };

		if (run(s->dir, mk, true) != 0 || run(s->dir, init, true) != 0)
			return false;
	}
	{
		char *argv[] = { "setpriv", "--reuid=postgres", "--regid=postgres",
				 "--init-groups", "--", "/usr/lib/postgresql/15/bin/postgres",
				 "-D", data, "-c", "listen_addresses=127.0.0.1", "-c", port,
				 "-c", "unix_socket_directories=", "-c", "fsync=off",
				 "-c", "max_connections=50", NULL };

		s->pid = run(s->dir, argv, false);
	}
	return s->pid > 0 && answers(s, 120);
}

bool sql_mariadb_start(sys_server *s)
{
	char data[300], datadir[320], sock[320], pidf[320], port[32];
	char tmp[300], tmpdir[320];

	if (!make_dir(s, "mariadb"))
		return false;
	snprintf(data, sizeof(data), "%s/db", s->dir);
	snprintf(datadir, sizeof(datadir), "--datadir=%s", data);
	snprintf(sock, sizeof(sock), "--socket=%s/my.sock", data);
	snprintf(pidf, sizeof(pidf), "--pid-file=%s/my.pid", data);
	snprintf(port, sizeof(port), "--port=%d", s->port);
	/* its own temporary folder: /tmp is everyone's (an install-db once
	 * lost its temporary table there) */
	snprintf(tmp, sizeof(tmp), "%s/tmp", s->dir);
	snprintf(tmpdir, sizeof(tmpdir), "--tmpdir=%s", tmp);
	{
		char *mk[] = { "install", "-d", "-o", "mysql", "-g", "mysql",
			       "-m", "0750", data, tmp, NULL };
		char *init[] = { "setpriv", "--reuid=mysql", "--regid=mysql",
				 "--init-groups", "--", "mariadb-install-db",
				 "--no-defaults", datadir, tmpdir, "--skip-test-db",
				 "--auth-root-authentication-method=normal", NULL };

		if (run(s->dir, mk, true) != 0 || run(s->dir, init, true) != 0)
			return false;
	}
	{
		char *argv[] = { "setpriv", "--reuid=mysql", "--regid=mysql",
				 "--init-groups", "--", "mariadbd", "--no-defaults",
				 datadir, tmpdir, sock, pidf, "--bind-address=127.0.0.1", port,
				 "--skip-grant-tables", "--skip-name-resolve",
				 "--innodb-buffer-pool-size=32M",
				 "--innodb-lock-wait-timeout=5", NULL };

		s->pid = run(s->dir, argv, false);
	}
	return s->pid > 0 && answers(s, 120);
}

/* Signal the server and every child of it (postgres's backends run in
 * sessions of their own, out of its group's reach). */
static bool signal_all(sys_server *s, int sig)
{
	DIR *d;
	struct dirent *e;

	if (s->pid <= 0 || kill(-s->pid, sig) != 0)
		return false;
	d = opendir("/proc");
	while (d != NULL && (e = readdir(d)) != NULL) {
		char path[300], line[512], *close;
		int ppid = 0;
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fgets(line, sizeof(line), f) != NULL &&
		    (close = strrchr(line, ')')) != NULL &&
		    sscanf(close + 1, " %*c %d", &ppid) == 1 && ppid == s->pid)
			kill(atoi(e->d_name), sig);
		fclose(f);
	}
	if (d != NULL)
		closedir(d);
	return true;
}

bool sql_server_pause(sys_server *s)
{
	return signal_all(s, SIGSTOP);
}

void sql_server_resume(sys_server *s)
{
	signal_all(s, SIGCONT);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void sql_server_stop(sys_server *s)
{
	if (s->pid > 0) {
		signal_all(s, SIGCONT);
		signal_all(s, SIGKILL);
		waitpid(s->pid, NULL, 0);
		/* the rest of the group (backends) are the postmaster's
		 * children, reaped by init once it is gone */
		for (int i = 0; i < 100 && kill(-s->pid, 0) == 0; i++)
			dt_sleep(0.02);
		s->pid = 0;
	}
	if (s->dir[0])
		nftw(s->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	s->dir[0] = '\0';
}

/* The argv of the command-line client for sql on s. */
static void client_argv(const sys_server *s, const char *db, const char *sql,
			char *port, size_t psize, char *dbarg, size_t dsize,
			char **argv)
{
	int n = 0;

	if (strcmp(s->kind, "postgres") == 0) {
		snprintf(port, psize, "%d", s->port);
		snprintf(dbarg, dsize, "%s", db ? db : "postgres");
		argv[n++] = "/usr/lib/postgresql/15/bin/psql";
		argv[n++] = "-h";
		argv[n++] = "127.0.0.1";
		argv[n++] = "-p";
		argv[n++] = port;
		argv[n++] = "-U";
		argv[n++] = "postgres";
		argv[n++] = "-d";
		argv[n++] = dbarg;
		argv[n++] = "-Atqc";
	} else {
		snprintf(port, psize, "--port=%d", s->port);
		snprintf(dbarg, dsize, "--database=%s", db ? db : "mysql");
		argv[n++] = "mariadb";
		argv[n++] = "--no-defaults";
		argv[n++] = "--host=127.0.0.1";
		argv[n++] = port;
		argv[n++] = dbarg;
		argv[n++] = "-N";
		argv[n++] = "-B";
		argv[n++] = "-e";
	}
	argv[n++] = (char *)sql;
	argv[n] = NULL;
}

int sql_query(const sys_server *s, const char *db, const char *sql, char *out,
	      size_t size)
{
	char port[32], dbarg[128], *argv[16];
	int fds[2], status;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	client_argv(s, db, sql, port, sizeof(port), dbarg, sizeof(dbarg), argv);
	if (pipe(fds) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	while (len + 1 < size && (n = read(fds[0], out + len, size - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int sql_query_async(const sys_server *s, const char *db, const char *sql)
{
	char port[32], dbarg[128], *argv[16];
	pid_t pid;

	client_argv(s, db, sql, port, sizeof(port), dbarg, sizeof(dbarg), argv);
	pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		dup2(fd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

int sql_wait(int pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
