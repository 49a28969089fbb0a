/* SPDX-License-Identifier: MIT */
/*
 * harness.c: servers, fake servers, clients and their operations for the
 * systems tests (see harness.h).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>

#include "harness.h"
#include "registry.h"

double sys_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int sys_free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

bool sys_port_ready(int port, double seconds)
{
	dt_deadline d;

	dt_deadline_set(&d, seconds);
	while (!dt_deadline_expired(&d)) {
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_port = htons((uint16_t)port) };
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		int rc;

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		rc = connect(fd, (struct sockaddr *)&a, sizeof(a));
		close(fd);
		if (rc == 0)
			return true;
		dt_sleep(0.02);
	}
	return false;
}

/* fork/exec argv with output to DIR/log; the child dies with the test. */
static pid_t spawn(const char *dir, char *const *argv)
{
	pid_t pid = fork();

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
	return pid;
}

static bool redis_spawn(sys_server *s)
{
	char port[16], pport[16] = "", phost[64] = "";
	char *argv[24];
	int n = 0;

	snprintf(port, sizeof(port), "%d", s->port);
	argv[n++] = "redis-server";
	argv[n++] = "--port";
	argv[n++] = port;
	argv[n++] = "--bind";
	argv[n++] = "127.0.0.1";
	argv[n++] = "--dir";
	argv[n++] = s->dir;
	argv[n++] = "--save";
	argv[n++] = "";
	argv[n++] = "--appendonly";
	argv[n++] = "no";
	/* Replicas sync at once, not after the default 5s wait. */
	argv[n++] = "--repl-diskless-sync-delay";
	argv[n++] = "0";
	if (s->extra[0]) {
		sscanf(s->extra, "%63s %15s", phost, pport);
		argv[n++] = "--replicaof";
		argv[n++] = phost;
		argv[n++] = pport;
	}
	argv[n] = NULL;
	s->pid = spawn(s->dir, argv);
	return s->pid > 0 && sys_port_ready(s->port, 10);
}

bool sys_redis_start(sys_server *s, const sys_server *primary)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->kind, sizeof(s->kind), "redis");
	snprintf(s->dir, sizeof(s->dir), "/tmp/dt-test-redis-XXXXXX");
	if (mkdtemp(s->dir) == NULL)
		return false;
	s->port = sys_free_port();
	if (primary != NULL)
		snprintf(s->extra, sizeof(s->extra), "127.0.0.1 %d", primary->port);
	return redis_spawn(s);
}

/* Has the redis on port `replicas` replicas connected? */
static bool redis_has_replicas(int port, int replicas)
{
	char cmd[96], line[256], want[64];
	bool yes = false;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "redis-cli -p %d info replication 2>/dev/null", port);
	snprintf(want, sizeof(want), "connected_slaves:%d\r", replicas);
	p = popen(cmd, "r");
	while (p != NULL && fgets(line, sizeof(line), p) != NULL)
		if (strncmp(line, want, strlen(want)) == 0)
			yes = true;
	if (p != NULL)
		pclose(p);
	return yes;
}

bool sys_sentinel_start(sys_server *s, const sys_server *primary, int replicas)
{
	char conf[512];
	char *argv[] = { "redis-server", conf, "--sentinel", NULL };
	dt_deadline d;
	FILE *f;

	dt_deadline_set(&d, 10);
	while (!redis_has_replicas(primary->port, replicas)) {
		if (dt_deadline_expired(&d))
			return false;
		dt_sleep(0.05);
	}

	memset(s, 0, sizeof(*s));
	snprintf(s->kind, sizeof(s->kind), "sentinel");
	snprintf(s->dir, sizeof(s->dir), "/tmp/dt-test-sentinel-XXXXXX");
	if (mkdtemp(s->dir) == NULL)
		return false;
	s->port = sys_free_port();
	snprintf(conf, sizeof(conf), "%s/sentinel.conf", s->dir);
	f = fopen(conf, "w");
	if (f == NULL)
		return false;
	fprintf(f, "port %d\nbind 127.0.0.1\ndir %s\n"
		"sentinel monitor dt 127.0.0.1 %d 1\n"
		"sentinel down-after-milliseconds dt 500\n"
		"sentinel failover-timeout dt 2000\n", s->port, s->dir, primary->port);
	fclose(f);
	s->pid = spawn(s->dir, argv);
	return s->pid > 0 && sys_port_ready(s->port, 10);
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* etcd answers /health with 200 once it has a leader. */
static bool etcd_healthy(int port, double seconds)
{
	dt_deadline d;
	char url[128];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/health", port);
	dt_deadline_set(&d, seconds);
	while (!dt_deadline_expired(&d)) {
		CURL *h = curl_easy_init();
		long code = 0;

		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 1000L);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
		if (curl_easy_perform(h) == CURLE_OK)
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_cleanup(h);
		if (code == 200)
			return true;
		dt_sleep(0.05);
	}
	return false;
}

static bool etcd_spawn(sys_server *s)
{
	char client[64], peer[64], cluster[96], data[300];
	char *argv[] = {
		"etcd", "--name", "n1", "--data-dir", data,
		"--listen-client-urls", client, "--advertise-client-urls", client,
		"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
		"--initial-cluster", cluster, "--initial-cluster-state", "new",
		NULL
	};

	snprintf(client, sizeof(client), "http://127.0.0.1:%d", s->port);
	snprintf(peer, sizeof(peer), "http://127.0.0.1:%d", s->peer_port);
	snprintf(cluster, sizeof(cluster), "n1=%s", peer);
	snprintf(data, sizeof(data), "%s/data", s->dir);
	s->pid = spawn(s->dir, argv);
	return s->pid > 0 && etcd_healthy(s->port, 20);
}

bool sys_etcd_start(sys_server *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->kind, sizeof(s->kind), "etcd");
	snprintf(s->dir, sizeof(s->dir), "/tmp/dt-test-etcd-XXXXXX");
	if (mkdtemp(s->dir) == NULL)
		return false;
	s->port = sys_free_port();
	do
		s->peer_port = sys_free_port();
	while (s->peer_port == s->port);
	return etcd_spawn(s);
}

bool sys_server_restart(sys_server *s)
{
	if (s->pid > 0)
		return false;
	return strcmp(s->kind, "etcd") == 0 ? etcd_spawn(s) : redis_spawn(s);
}

/* Is every thread of pid stopped (state T or t in its stat)? */
static bool all_stopped(pid_t pid)
{
	char path[320], line[512];
	struct dirent *e;
	bool stopped = true;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (d == NULL)
		return false;
	while (stopped && (e = readdir(d)) != NULL) {
		FILE *f;
		char *close;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", (int)pid,
			 e->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;   /* the thread ended */
		if (fgets(line, sizeof(line), f) != NULL &&
		    (close = strrchr(line, ')')) != NULL)
			stopped = close[1] == ' ' && (close[2] == 'T' || close[2] == 't');
		fclose(f);
	}
	closedir(d);
	return stopped;
}

bool sys_server_pause(sys_server *s)
{
	dt_deadline d;

	if (s->pid <= 0 || kill(s->pid, SIGSTOP) != 0)
		return false;
	dt_deadline_set(&d, 5);
	while (!all_stopped(s->pid)) {
		if (dt_deadline_expired(&d))
			return false;
		dt_sleep(0.001);
	}
	return true;
}

void sys_server_kill(sys_server *s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGCONT);
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	s->pid = 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void sys_server_stop(sys_server *s)
{
	sys_server_kill(s);
	if (s->dir[0])
		nftw(s->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	s->dir[0] = '\0';
}

/* ---- the fake server ------------------------------------------------------- */

struct sys_fake {
	int fd;
	pthread_t thread;
	char *reply;
	volatile bool stop;
};

static void *fake_main(void *arg)
{
	sys_fake *f = arg;

	while (!f->stop) {
		int c = accept(f->fd, NULL, NULL);
		char buf[4096];

		if (c < 0)
			continue;
		/* Answer every request with the same bytes until it hangs up. */
		while (!f->stop) {
			ssize_t n = read(c, buf, sizeof(buf));

			if (n <= 0)
				break;
			if (write(c, f->reply, strlen(f->reply)) < 0)
				break;
		}
		close(c);
	}
	return NULL;
}

sys_fake *sys_fake_start(const char *reply, int *port)
{
	sys_fake *f = calloc(1, sizeof(*f));
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	struct timeval tv = { 0, 100000 };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->reply = strdup(reply);
	f->fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(f->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(f->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(f->fd, 16) != 0 ||
	    getsockname(f->fd, (struct sockaddr *)&a, &len) != 0) {
		close(f->fd);
		free(f->reply);
		free(f);
		return NULL;
	}
	*port = ntohs(a.sin_port);
	pthread_create(&f->thread, NULL, fake_main, f);
	return f;
}

void sys_fake_stop(sys_fake *f)
{
	if (f == NULL)
		return;
	f->stop = true;
	pthread_join(f->thread, NULL);
	close(f->fd);
	free(f->reply);
	free(f);
}

/* ---- nodes and clients ------------------------------------------------------- */

dt_node *sys_nodes(const sys_server *servers, size_t n)
{
	dt_node *nodes = calloc(n ? n : 1, sizeof(*nodes));

	for (size_t i = 0; i < n; i++) {
		nodes[i].index = (int)i;
		snprintf(nodes[i].name, sizeof(nodes[i].name), "n%zu", i + 1);
		snprintf(nodes[i].address, sizeof(nodes[i].address), "127.0.0.1");
		nodes[i].info = json_pack("{si}", "port", servers[i].port);
		nodes[i].pids[0] = servers[i].pid;
		nodes[i].npids = 1;
	}
	return nodes;
}

void sys_nodes_free(dt_node *nodes, size_t n)
{
	for (size_t i = 0; nodes != NULL && i < n; i++)
		json_decref(nodes[i].info);
	free(nodes);
}

bool sys_client_open(sys_client *sc, const char *plugin, const char *workload,
		     const char *config_json, const char *workload_json,
		     const sys_server *servers, size_t n, double timeout, char *err)
{
	char path[1024];
	const char *b = getenv("DT_BUILDDIR");
	const dt_component *comp;
	dt_client_env env = { 0 };

	memset(sc, 0, sizeof(*sc));
	snprintf(path, sizeof(path), "%s/plugins/%s/.libs", b ? b : TEST_BUILDDIR, plugin);
	sc->reg = dt_registry_new(path);
	comp = dt_registry_get(sc->reg, DT_KIND_CLIENT, plugin, err);
	if (comp == NULL)
		return false;
	sc->type = comp->type;
	sc->config = config_json ? json_loads(config_json, 0, NULL) : json_object();
	sc->wconfig = workload_json ? json_loads(workload_json, 0, NULL) : NULL;
	/* As the core does before a run: defaults filled, units converted,
	 * then the client's own rules. */
	if (sc->type->info.options != NULL) {
		const dt_option *t = sc->type->info.options;
		dt_validate_env venv = { .kind = DT_KIND_CLIENT, .name = plugin,
					 .config = sc->config, .workload = workload,
					 .workload_config = sc->wconfig, .nnodes = n };

		if (dt_options_apply(&t, 1, sc->config, err) != 0 ||
		    (sc->type->info.validate != NULL &&
		     sc->type->info.validate(&venv, err) != 0))
			return false;
	}
	sc->nodes = sys_nodes(servers, n);
	sc->nnodes = n;
	env.config = sc->config;
	env.workload = workload;
	env.workload_config = sc->wconfig;
	env.nodes = sc->nodes;
	env.nnodes = n;
	env.store_dir = "/tmp";
	env.timeout = timeout;
	sc->client = sc->type->create(&env, err);
	return sc->client != NULL;
}

void sys_client_connect(sys_client *sc, const char *plugin,
			const char *workload, const char *config_json,
			const char *workload_json, const sys_server *servers,
			size_t n, double timeout)
{
	char err[DT_ERRBUF_SIZE] = "";

	cr_assert(sys_client_open(sc, plugin, workload, config_json,
				  workload_json, servers, n, timeout, err),
		  "open: %s", err);
	if (sc->type->prepare != NULL)
		cr_assert_eq(sc->type->prepare(sc->client, err), 0, "prepare: %s", err);
	sc->conn = sc->type->connect(sc->client, 0, err);
	cr_assert_not_null(sc->conn, "connect: %s", err);
}

void sys_client_close(sys_client *sc)
{
	if (sc->conn != NULL)
		sc->type->disconnect(sc->conn);
	if (sc->client != NULL)
		sc->type->destroy(sc->client);
	sys_nodes_free(sc->nodes, sc->nnodes);
	json_decref(sc->config);
	json_decref(sc->wconfig);
	if (sc->reg != NULL)
		dt_registry_free(sc->reg);
	memset(sc, 0, sizeof(*sc));
}

dt_op_type sys_op(sys_client *sc, const char *f, const char *value,
		  json_t **result, char **error)
{
	json_t *v = json_loads(value, JSON_DECODE_ANY, NULL);
	dt_op_type t;

	dt_reply reply = { 0 };

	t = sc->type->invoke(sc->conn, f, v, &reply);
	*result = reply.value;
	*error = reply.error;
	json_decref(v);
	return t;
}

dt_op_type sys_op_simple(sys_client *sc, const char *f, const char *value)
{
	json_t *r;
	char *e;
	dt_op_type t = sys_op(sc, f, value, &r, &e);

	json_decref(r);
	free(e);
	return t;
}

json_int_t sys_read_int(sys_client *sc, const char *key)
{
	json_t *r;
	char *e, v[64];
	json_int_t x;

	snprintf(v, sizeof(v), "{\"key\":\"%s\"}", key);
	cr_assert_eq(sys_op(sc, "read", v, &r, &e), DT_OP_OK, "read: %s",
		     e ? e : "");
	cr_assert(json_is_object(r));
	x = json_is_null(json_object_get(r, "value")) ? -1 :
	    json_integer_value(json_object_get(r, "value"));
	json_decref(r);
	return x;
}
