/* SPDX-License-Identifier: MIT */
/*
 * The INFO parser of the redis client (plugins/redis/info.c).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "info.h"

static const char SAMPLE[] =
	"# Server\r\n"
	"redis_version:7.0.15\r\n"
	"uptime_in_seconds:42\r\n"
	"\r\n"
	"# Replication\r\n"
	"role:master\r\n"
	"connected_slaves:2\r\n"
	"slave0:ip=10.0.0.2,port=6379,state=online,offset=1234,lag=0\r\n"
	"master_repl_offset:1234\r\n"
	"instantaneous_input_kbps:0.51\r\n"
	"# Keyspace\r\n"
	"db0:keys=3,expires=0,avg_ttl=0\r\n";

Test(redis_info, sample)
{
	json_t *o = redis_info_parse(SAMPLE, strlen(SAMPLE));

	cr_assert_not_null(o);
	cr_assert_str_eq(json_string_value(json_object_get(o, "role")), "master");
	cr_assert_str_eq(json_string_value(json_object_get(o, "redis_version")), "7.0.15");
	cr_assert_eq(json_integer_value(json_object_get(o, "connected_slaves")), 2);
	cr_assert_eq(json_integer_value(json_object_get(o, "master_repl_offset")), 1234);
	cr_assert_float_eq(json_real_value(json_object_get(o, "instantaneous_input_kbps")),
			   0.51, 1e-9);
	cr_assert_str_eq(json_string_value(json_object_get(o, "slave0")),
			 "ip=10.0.0.2,port=6379,state=online,offset=1234,lag=0");
	cr_assert_str_eq(json_string_value(json_object_get(o, "db0")),
			 "keys=3,expires=0,avg_ttl=0");
	cr_assert_eq(json_object_size(o), 8);
	json_decref(o);
}

Test(redis_info, plain_newlines_and_no_final_newline)
{
	const char *t = "a:1\nb:x\nc:-7";
	json_t *o = redis_info_parse(t, strlen(t));

	cr_assert_eq(json_integer_value(json_object_get(o, "a")), 1);
	cr_assert_str_eq(json_string_value(json_object_get(o, "b")), "x");
	cr_assert_eq(json_integer_value(json_object_get(o, "c")), -7);
	json_decref(o);
}

Test(redis_info, odd_lines_are_skipped)
{
	const char t[] = "no colon here\r\n:novalue\r\nempty:\r\n# x:y\r\n"
			 "big:99999999999999999999999\r\nnan:nan\r\nk:v:w\r\n"
			 "n\0ul:1\r\nv:a\0b\r\nbad:\xff\xfe\r\nok:1";
	json_t *o = redis_info_parse(t, sizeof(t) - 1);

	cr_assert_not_null(o);
	cr_assert_str_eq(json_string_value(json_object_get(o, "empty")), "");
	cr_assert(json_is_real(json_object_get(o, "big")), "too big for an integer");
	cr_assert(json_is_string(json_object_get(o, "nan")));
	cr_assert_str_eq(json_string_value(json_object_get(o, "k")), "v:w");
	cr_assert_null(json_object_get(o, "# x"));
	cr_assert_null(json_object_get(o, "v"), "a value with a NUL is dropped");
	cr_assert_null(json_object_get(o, "bad"), "a value that is not UTF-8 is dropped");
	cr_assert_eq(json_integer_value(json_object_get(o, "ok")), 1);
	json_decref(o);
}

Test(redis_info, empty_and_long)
{
	json_t *o = redis_info_parse("", 0);
	char *big = malloc(100000);

	cr_assert_eq(json_object_size(o), 0);
	json_decref(o);
	memset(big, 'x', 100000);
	big[10] = ':';
	o = redis_info_parse(big, 100000);
	cr_assert_eq(strlen(json_string_value(json_object_get(o, "xxxxxxxxxx"))), 1024,
		     "long values are cut");
	json_decref(o);
	free(big);
}
