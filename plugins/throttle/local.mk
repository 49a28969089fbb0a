# dt_throttle: see plugins/throttle/
