dist_charts_DATA += \
	charts/mem.yaml
