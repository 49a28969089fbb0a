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
	suites/redis-register.yaml \
	suites/redis-replica-reads.yaml \
	suites/redis-sentinel.yaml
