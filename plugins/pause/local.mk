# dt_pause: see plugins/pause/
