# dt_redis: see plugins/redis/
