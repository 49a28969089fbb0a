dist_suites_DATA += \
	suites/mem-bank.yaml \
	suites/mem-register.yaml
