# dt_models: see plugins/models/
