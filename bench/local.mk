# bench/: speed and memory targets, measured, never asserted in tests.
include bench/checker.mk
include bench/driver.mk
include bench/faultfs.mk
