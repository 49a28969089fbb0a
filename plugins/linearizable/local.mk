# dt_linearizable: see plugins/linearizable/
