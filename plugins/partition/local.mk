# dt_partition: see plugins/partition/
