# dt_local: see plugins/local/
