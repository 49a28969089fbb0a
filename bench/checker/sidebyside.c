/*
 * sidebyside.c: DT beside porcupine, one class of histories a row (see
 * sidebyside.h).
 */
#include "config.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "sidebyside.h"

extern char **environ;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void sbs_header(const sbs_env *env)
{
	printf("\n| history | files | ops | porcupine | DT | ratio in-process | "
	       "porcupine whole | DT whole | ratio whole (wall, cpu) |\n"
	       "|---|---|---|---|---|---|---|---|---|\n");
	if (env->porc == NULL)
		printf("(porcupine not built: DT alone; "
		       "../shared/bench/porcupine/build.sh makes porc-check)\n");
}

/* Seconds one command takes, its output thrown away; -1 when it cannot
 * start.  *cpu gets its user + system seconds (every thread): on a
 * loaded machine the wall clock measures the scheduler as much. */
static double run_cmd(char *const argv[], double *cpu)
{
	posix_spawn_file_actions_t fa;
	double t0 = now();
	struct rusage ru;
	pid_t pid;
	int st;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	while (wait4(pid, &st, 0, &ru) < 0)
		;
	*cpu += (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		(double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	return now() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static const char *short_verdict(const char *v)
{
	return strcmp(v, "linearizable") == 0 ? "ok" :
	       strcmp(v, "not-linearizable") == 0 ? "bad" :
	       strcmp(v, "unknown") == 0 ? "unknown" : "error";
}

/* "3 bad, 1 unknown" */
static void counts(char *buf, size_t size, char **v, size_t n)
{
	static const char *const kinds[] = { "ok", "bad", "unknown", "error" };
	size_t used = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < 4; k++) {
		size_t c = 0;

		for (size_t i = 0; i < n; i++)
			c += strcmp(short_verdict(v[i]), kinds[k]) == 0;
		if (c > 0)
			used += (size_t)snprintf(buf + used, size - used, "%s%zu %s",
						 used ? ", " : "", c, kinds[k]);
	}
}

/* porc-check -runs N over the class: its verdicts and best seconds. */
static int porc_in_process(const sbs_env *env, const sbs_class *c, int runs,
			   char **verdict, double *secs)
{
	size_t len = 256;
	char *cmd, line[8192];
	FILE *p;
	size_t k = 0;

	for (size_t i = 0; i < c->nfiles; i++)
		len += strlen(c->files[i]) + 3;
	cmd = malloc(len + strlen(env->porc));
	if (cmd == NULL)
		return -1;
	len = (size_t)sprintf(cmd, "'%s' -f %s -runs %d -timeout %g", env->porc,
			      c->porc_fmt, runs, c->timeout);
	for (size_t i = 0; i < c->nfiles; i++)
		len += (size_t)sprintf(cmd + len, " '%s'", c->files[i]);
	p = popen(cmd, "r");
	free(cmd);
	if (p == NULL)
		return -1;
	while (k < c->nfiles && fgets(line, sizeof(line), p) != NULL) {
		char *f = strtok(line, "\t"), *v = strtok(NULL, "\t"),
		     *s = strtok(NULL, "\t");

		if (f == NULL || v == NULL || s == NULL)
			continue;
		verdict[k] = strdup(v);
		secs[k++] = atof(s);
	}
	pclose(p);
	for (; k < c->nfiles; k++) {
		verdict[k] = strdup("error");   /* porc-check panicked */
		secs[k] = 0;
	}
	return 0;
}

int sbs_run(sbs_env *env, const sbs_class *c)
{
	int runs = c->runs > 0 ? c->runs : env->runs;
	int rounds = c->rounds > 0 ? c->rounds : env->rounds;
	char **dv = calloc(c->nfiles + 1, sizeof(char *));
	char **pv = calloc(c->nfiles + 1, sizeof(char *));
	double *ps = calloc(c->nfiles + 1, sizeof(double));
	double *ratio = calloc((size_t)rounds + 1, sizeof(double));
	double *pw = calloc((size_t)rounds + 1, sizeof(double));
	double *dw = calloc((size_t)rounds + 1, sizeof(double));
	double *pc = calloc((size_t)rounds + 1, sizeof(double));
	double *dc = calloc((size_t)rounds + 1, sizeof(double));
	double *cratio = calloc((size_t)rounds + 1, sizeof(double));
	double dtot = 0, ptot = 0;
	size_t ops = 0;
	char dcount[128], pcount[128], err[DT_ERRBUF_SIZE];
	int rc = -1;

	if (!dv || !pv || !ps || !ratio || !pw || !dw || !pc || !dc || !cratio)
		goto done;
	for (size_t i = 0; i < c->nfiles; i++) {
		dt_history *h = dt_history_import(c->files[i], c->fmt, err);
		double best = 1e18;

		if (h == NULL) {
			fprintf(stderr, "%s\n", err);
			goto done;
		}
		ops += h->count / 2;
		for (int r = 0; r <= runs; r++) {
			double s;
			const char *v = env->check(h, c->model, c->timeout, &s);

			dv[i] = (char *)v;
			/* run 0 warms up, unless there is one run only */
			if ((r > 0 || runs == 1) && s < best)
				best = s;
			if (runs == 1)
				break;
		}
		dtot += best;
		dt_history_free(h);
	}
	counts(dcount, sizeof(dcount), dv, c->nfiles);
	if (env->porc == NULL) {
		printf("| %s | %zu | %zu | | %s: %.6f s | | | | |\n", c->title,
		       c->nfiles, ops, dcount, dtot);
		rc = 0;
		goto done;
	}
	if (porc_in_process(env, c, runs, pv, ps) != 0)
		goto done;
	for (size_t i = 0; i < c->nfiles; i++) {
		const char *a = short_verdict(pv[i]), *b = short_verdict(dv[i]);

		ptot += ps[i];
		if (strcmp(a, b) == 0)
			continue;
		if (strcmp(b, "unknown") == 0 && strcmp(a, "unknown") != 0) {
			env->dt_unknown++;
			fprintf(stderr, "DT UNKNOWN WHERE PORCUPINE DECIDES: %s (%s)\n",
				c->files[i], pv[i]);
		} else if (strcmp(a, "unknown") == 0) {
			env->porc_unknown++;
		} else {
			env->disagree++;
			fprintf(stderr, "VERDICTS DIFFER: %s: porcupine %s, DT %s\n",
				c->files[i], pv[i], dv[i]);
		}
	}
	counts(pcount, sizeof(pcount), pv, c->nfiles);
	/* whole processes: each file by each command, alternating who
	 * starts; a round's ratio is porcupine's seconds over DT's */
	for (int r = 0; r < rounds; r++) {
		for (size_t i = 0; i < c->nfiles; i++) {
			char tmo[32], fmtarg[32];
			char *pa[] = { (char *)env->porc, "-f", (char *)c->porc_fmt,
				       "-timeout", tmo, c->files[i], NULL };
			char *da[] = { (char *)env->dt_check, "-q", "-m",
				       (char *)c->model, "-f", fmtarg, "-t", tmo,
				       c->files[i], NULL };

			snprintf(tmo, sizeof(tmo), "%g", c->timeout);
			snprintf(fmtarg, sizeof(fmtarg), "%s",
				 dt_history_format_name(c->fmt));
			if ((r + (int)i) % 2 == 0) {
				pw[r] += run_cmd(pa, &pc[r]);
				dw[r] += run_cmd(da, &dc[r]);
			} else {
				dw[r] += run_cmd(da, &dc[r]);
				pw[r] += run_cmd(pa, &pc[r]);
			}
		}
		ratio[r] = dw[r] > 0 ? pw[r] / dw[r] : 0;
		cratio[r] = dc[r] > 0 ? pc[r] / dc[r] : 0;
	}
	qsort(cratio, (size_t)rounds, sizeof(double), cmp_double);
	qsort(pc, (size_t)rounds, sizeof(double), cmp_double);
	qsort(dc, (size_t)rounds, sizeof(double), cmp_double);
	qsort(ratio, (size_t)rounds, sizeof(double), cmp_double);
	qsort(pw, (size_t)rounds, sizeof(double), cmp_double);
	qsort(dw, (size_t)rounds, sizeof(double), cmp_double);
	printf("| %s | %zu | %zu | %s: %.6f s | %s: %.6f s | **%.1fx** | "
	       "%.4f s (cpu %.4f) | %.4f s (cpu %.4f) | **%.2fx** (cpu %.2fx) |\n",
	       c->title, c->nfiles, ops, pcount, ptot, dcount, dtot,
	       dtot > 0 ? ptot / dtot : 0, pw[rounds / 2], pc[rounds / 2],
	       dw[rounds / 2], dc[rounds / 2], ratio[rounds / 2], cratio[rounds / 2]);
	fflush(stdout);
	rc = 0;
done:
	for (size_t i = 0; pv && i < c->nfiles; i++)
		free(pv[i]);
	free(dv);
	free(pv);
	free(ps);
	free(ratio);
	free(pw);
	free(dw);
	free(pc);
	free(dc);
	free(cratio);
	return rc;
}
