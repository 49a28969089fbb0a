# dt_kv: see plugins/kv/
