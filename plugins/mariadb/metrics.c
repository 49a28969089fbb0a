/*
 * metrics.c: the mariadb client's metrics, once a second, on the
 * metrics thread's own connections: per node the transactions
 * committed and rolled back (Com_commit, Com_rollback, and
 * wsrep_last_committed: the graphs take the rate), connections, and with
 * Galera its state (wsrep_local_state_comment, wsrep_cluster_status,
 * wsrep_cluster_size), its replication lag (wsrep_local_recv_queue:
 * write sets received and not yet applied; wsrep_flow_control_paused),
 * and its certification failures and brute-force aborts.
 */
#include <stdlib.h>
#include <string.h>

#include "my.h"

static const char STATUS_SQL[] =
	"SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_commit', 'Com_rollback', "
	"'Threads_connected', 'Questions', 'wsrep_last_committed', "
	"'wsrep_local_state_comment', 'wsrep_cluster_status', "
	"'wsrep_cluster_size', 'wsrep_local_recv_queue', 'wsrep_local_send_queue', "
	"'wsrep_flow_control_paused', 'wsrep_local_cert_failures', "
	"'wsrep_local_bf_aborts', 'wsrep_ready')";

/* A status value: an integer or number when it reads as one, else text. */
static json_t *status_value(const char *s)
{
	char *end;
	long long n;
	double d;

	if (s == NULL)
		return json_null();
	n = strtoll(s, &end, 10);
	if (*s != '\0' && *end == '\0')
		return json_integer((json_int_t)n);
	d = strtod(s, &end);
	if (*s != '\0' && *end == '\0')
		return json_real(d);
	return json_string(s);
}

static json_t *node_metrics(void *data, size_t i)
{
	my_client *c = data;
	MYSQL_RES *r = NULL;
	MYSQL_ROW row;
	unsigned int errnum;
	char *error = NULL;
	dt_deadline d;
	json_t *out;

	dt_deadline_set(&d, c->s.timeout < 1 ? c->s.timeout : 1);
	if (my_exec_on(c, &c->metrics_conn[i], i, NULL, &d, STATUS_SQL, &r, NULL,
		       &errnum, &error) != MY_DONE || r == NULL) {
		mysql_free_result(r);
		out = json_pack("{sbss}", "up", 0, "error", error ? error : "no result");
		free(error);
		return out;
	}
	out = json_pack("{sb}", "up", 1);
	while ((row = mysql_fetch_row(r)) != NULL)
		if (row[0] != NULL)
			json_object_set_new(out, row[0], status_value(row[1]));
	mysql_free_result(r);
	free(error);
	return out;
}

json_t *my_metrics(void *data)
{
	my_client *c = data;

	return dt_endpoints_metrics(c->s.eps, c->s.neps, node_metrics, c);
}
