# dt_kill: see plugins/kill/
