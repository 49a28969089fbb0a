dist_suites_DATA += \
	suites/etcd.yaml \
	suites/etcd-kv.yaml \
	suites/etcd-kv-revisions.yaml \
	suites/etcd-power-loss.yaml \
	suites/etcd-serializable.yaml \
	suites/etcd-watch.yaml \
	suites/galera.yaml \
	suites/galera-register.yaml \
	suites/galera-register-sync-wait.yaml \
	suites/mariadb-rr.yaml \
	suites/mariadb-rr-append.yaml \
	suites/mariadb-serializable-append.yaml \
	suites/mariadb-serializable.yaml \
	suites/mem-bank.yaml \
	suites/mem-list-append.yaml \
	suites/mem-rw-register.yaml \
	suites/mem-register.yaml \
	suites/postgres-read-committed.yaml \
	suites/postgres-read-committed-append.yaml \
	suites/postgres-replica-reads-append.yaml \
	suites/postgres-serializable-append.yaml \
	suites/postgres-register.yaml \
	suites/postgres-replica-reads.yaml \
	suites/postgres-serializable.yaml \
	suites/postgres-set.yaml \
	suites/redis.yaml \
	suites/redis-power-loss.yaml \
	suites/redis-lock-clock.yaml \
	suites/redis-register.yaml \
	suites/redis-replica-reads.yaml \
	suites/redis-sentinel.yaml
dist_suites_DATA += suites/mem-set.yaml
dist_suites_DATA += suites/redis-sentinel-partition.yaml
dist_suites_DATA += suites/redis-no-persistence.yaml
dist_suites_DATA += suites/etcd-set.yaml
dist_suites_DATA += suites/redis-exec.yaml suites/redis-exec-stale.yaml
dist_suites_DATA += suites/etcd-http.yaml suites/etcd-http-serializable.yaml
