dist_suites_DATA += \
	suites/etcd.yaml \
	suites/etcd-kv.yaml \
	suites/etcd-kv-revisions.yaml \
	suites/etcd-power-loss.yaml \
	suites/etcd-serializable.yaml \
	suites/etcd-watch.yaml \
	suites/mem-bank.yaml \
	suites/mem-register.yaml \
	suites/redis.yaml \
	suites/redis-power-loss.yaml \
	suites/redis-lock-clock.yaml \
	suites/redis-register.yaml \
	suites/redis-replica-reads.yaml \
	suites/redis-sentinel.yaml
dist_suites_DATA += suites/mem-set.yaml
dist_suites_DATA += suites/redis-sentinel-partition.yaml
dist_suites_DATA += suites/redis-no-persistence.yaml
dist_suites_DATA += suites/redis-exec.yaml suites/redis-exec-stale.yaml
dist_suites_DATA += suites/etcd-http.yaml suites/etcd-http-serializable.yaml
