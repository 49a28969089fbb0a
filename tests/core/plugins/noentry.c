/* SPDX-License-Identifier: MIT */
/* A shared object that is not a DT plugin: no entry symbols. */
int dt_test_not_a_plugin(void);
int dt_test_not_a_plugin(void)
{
	return 42;
}
