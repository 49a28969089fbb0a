/*
 * test_import: every log porcupine's tools read, DT reads, with the
 * same meaning.
 *  - etcd logs whose fields are separated by runs of spaces, by tabs and
 *    spaces, with CRLF, trailing blanks and a first line of another
 *    logger: every shared file gets its expected verdict (the files are
 *    rewritten in memory from ../shared/testdata; skipped when absent);
 *  - a broken jepsen.util line is an error naming the file and line;
 *  - Knossos EDN: an ok read of nil constrains nothing by default
 *    (Knossos's cas-register), and reads nil with DT_HIMPORT_READ_NIL_IS_NIL.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "history.h"
#include "history_import.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *s = NULL;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = malloc((size_t)n + 1);
	cr_assert_not_null(s);
	*len = fread(s, 1, (size_t)n, f);
	s[*len] = '\0';
	fclose(f);
	return s;
}

/* text with each tab replaced by sep and each line ended by eol */
static char *rewrite(const char *text, const char *head, const char *sep,
		     const char *eol)
{
	size_t cap = strlen(text) * 8 + strlen(head) + 16, k;
	char *o = malloc(cap);

	cr_assert_not_null(o);
	k = (size_t)snprintf(o, cap, "%s", head);
	for (const char *p = text; *p; p++) {
		const char *r = *p == '\t' ? sep : *p == '\n' ? eol : NULL;

		if (r != NULL) {
			memcpy(o + k, r, strlen(r));
			k += strlen(r);
		} else {
			o[k++] = *p;
		}
	}
	o[k] = '\0';
	return o;
}

Test(etcd, blanks_crlf_and_other_loggers_read_as_porcupine_reads, .timeout = 60)
{
	static const struct { const char *head, *sep, *eol; } variants[] = {
		{ "", "   ", "\n" },
		{ "", " \t ", "\r\n" },
		{ "", "\t", "  \n" },
		{ "WARN  jepsen.core - a first line of another logger\n", " ",
		  " \t\r\n" },
	};
	const char *data = getenv("DT_TESTDATA");
	char path[4096], line[1024], err[DT_ERRBUF_SIZE];
	FILE *tsv;
	int files = 0;

	if (data == NULL)
		data = TEST_SRCDIR "/../shared/testdata";
	snprintf(path, sizeof(path), "%s/porcupine/EXPECTED.tsv", data);
	tsv = fopen(path, "r");
	if (tsv == NULL)
		cr_skip_test("no test data: %s is absent", path);
	while (fgets(line, sizeof(line), tsv) != NULL) {
		char file[512], expected[64], *text;
		long ops;
		double secs;
		size_t len;

		if (sscanf(line, "%511s %ld %63s %lf", file, &ops, expected, &secs) != 4 ||
		    strncmp(file, "etcd/", 5) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/porcupine/%s", data, file);
		text = slurp(path, &len);
		cr_assert_not_null(text, "%s", path);
		for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
			char *t = rewrite(text, variants[v].head, variants[v].sep,
					  variants[v].eol);
			dt_history_format g = dt_history_format_guess(t, strlen(t));
			dt_history *h;
			int r;

			cr_expect_eq(g, DT_HFMT_ETCD, "%s variant %zu: guessed %s",
				     file, v, dt_history_format_name(g));
			h = dt_history_parse(t, strlen(t), DT_HFMT_AUTO, file, err);
			cr_assert_not_null(h, "%s variant %zu: %s", file, v, err);
			r = tc_check(h, "cas-register", NULL, err);
			cr_expect_str_eq(r == 1 ? "linearizable" : r == 0 ?
					 "not-linearizable" : "unknown", expected,
					 "%s variant %zu", file, v);
			dt_history_free(h);
			free(t);
		}
		free(text);
		files++;
	}
	fclose(tsv);
	cr_assert_geq(files, 40);
}

Test(etcd, a_broken_line_names_file_and_line)
{
	static const char *const bad[] = {
		"INFO  jepsen.util - 0 :invoke :read nil\n"
		"INFO  jepsen.util - 0 :ok :read\n",
		"INFO  jepsen.util - 0 :invoke :read nil\n"
		"INFO  jepsen.util - zero :ok :read nil\n",
		"INFO  jepsen.util - 0 :invoke :read nil\r\n"
		"INFO  jepsen.util 0 :ok :read nil\r\n",
		"INFO  jepsen.util - 0 :invoke :read nil\n"
		"INFO  jepsen.util - 0 :ok :read [1 2\n",
	};
	char err[DT_ERRBUF_SIZE];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		dt_history *h = dt_history_parse(bad[i], strlen(bad[i]), DT_HFMT_ETCD,
						 "e.log", err);

		cr_expect_null(h, "case %zu parsed", i);
		cr_expect(strncmp(err, "e.log:2: ", 9) == 0, "case %zu: %s", i, err);
		dt_history_free(h);
	}
}

/* A Knossos cas-register history: write 1, then a read of nil.  In
 * Knossos the read constrains nothing (linearizable); read as "nil" it
 * cannot follow the write. */
Test(edn, knossos_nil_read_is_any_value_unless_asked)
{
	static const char edn[] =
		"[{:process 0, :type :invoke, :f :write, :value 1}\n"
		" {:process 0, :type :ok, :f :write, :value 1}\n"
		" {:process 1, :type :invoke, :f :read, :value nil}\n"
		" {:process 1, :type :ok, :f :read, :value nil}]\n";
	char err[DT_ERRBUF_SIZE];
	dt_history *h = dt_history_parse(edn, strlen(edn), DT_HFMT_EDN, "k.edn", err);

	cr_assert_not_null(h, "%s", err);
	cr_expect_eq(h->ops[3].type, DT_OP_INFO);
	cr_expect_eq(tc_check(h, "cas-register", NULL, err), 1, "%s", err);
	dt_history_free(h);
	h = dt_history_parse_flags(edn, strlen(edn), DT_HFMT_EDN,
				   DT_HIMPORT_READ_NIL_IS_NIL, "k.edn", err);
	cr_assert_not_null(h, "%s", err);
	cr_expect_eq(tc_check(h, "cas-register", NULL, err), 0, "%s", err);
	dt_history_free(h);
}
