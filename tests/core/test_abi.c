/* SPDX-License-Identifier: MIT */
/*
 * The public structs' layout, pinned.  "Bumped whenever a struct changes
 * shape" is checked here, not remembered: a failure means a change to
 * core/include/dt/ moved something a built plugin relies on.
 *
 * - Descriptors (dt_*_type) begin with their size and may only grow at
 *   the end (the core copies what a plugin's size covers): their
 *   members' offsets are pinned, their sizes not.
 * - Structs that plugins hold in arrays or allocate (dt_op, dt_node,
 *   dt_option, dt_workload_op, dt_endpoint, dt_command, ...) are frozen:
 *   offsets and size pinned.
 * - Envs the core hands over may only grow at the end: the offset of
 *   their last member is pinned.
 * A deliberate change bumps DT_ABI_VERSION and updates these figures
 * (x86_64 and other LP64 targets).
 */
#include <criterion/criterion.h>
#include <stddef.h>

#include <dt/plugin.h>

#define PIN(T, m, off) cr_expect_eq(offsetof(T, m), (size_t)(off), \
	"offsetof(%s, %s) is %zu, the ABI says %d", #T, #m, offsetof(T, m), off)
#define SIZE(T, n) cr_expect_eq(sizeof(T), (size_t)(n), \
	"sizeof(%s) is %zu, the ABI says %d", #T, sizeof(T), n)

Test(abi, version)
{
	cr_expect_eq(DT_ABI_VERSION, 2u, "ABI changed: update this file's figures too");
}

Test(abi, layout, .disabled = sizeof(void *) != 8)
{
	SIZE(dt_component_info, 40);
	PIN(dt_component_info, name, 0);
	PIN(dt_component_info, version, 8);
	PIN(dt_component_info, description, 16);
	PIN(dt_component_info, options, 24);
	PIN(dt_component_info, validate, 32);
	SIZE(dt_option, 96);
	PIN(dt_option, name, 0);
	PIN(dt_option, type, 8);
	PIN(dt_option, def, 16);
	PIN(dt_option, min, 24);
	PIN(dt_option, max, 32);
	PIN(dt_option, doc, 40);
	PIN(dt_option, values, 48);
	PIN(dt_option, fields, 56);
	PIN(dt_option, item, 64);
	PIN(dt_option, kind, 68);
	PIN(dt_option, flags, 72);
	PIN(dt_option, reserved, 80);
	SIZE(dt_op, 96);
	PIN(dt_op, index, 0);
	PIN(dt_op, time, 8);
	PIN(dt_op, process, 16);
	PIN(dt_op, type, 24);
	PIN(dt_op, f, 32);
	PIN(dt_op, key, 40);
	PIN(dt_op, value, 48);
	PIN(dt_op, error, 56);
	PIN(dt_op, node, 64);
	PIN(dt_op, flags, 72);
	PIN(dt_op, reserved, 80);
	PIN(dt_history, ops, 0);
	PIN(dt_history, count, 8);
	PIN(dt_history, torn, 16);
	SIZE(dt_node, 312);
	PIN(dt_node, index, 0);
	PIN(dt_node, name, 4);
	PIN(dt_node, address, 68);
	PIN(dt_node, netns, 132);
	PIN(dt_node, ifname, 196);
	PIN(dt_node, pids, 228);
	PIN(dt_node, npids, 264);
	PIN(dt_node, info, 272);
	PIN(dt_node, reserved, 280);
	SIZE(dt_rng, 32);
	SIZE(dt_deadline, 8);
	SIZE(dt_endpoint, 132);
	PIN(dt_endpoint, name, 0);
	PIN(dt_endpoint, host, 64);
	PIN(dt_endpoint, port, 128);
	SIZE(dt_workload_op, 16);
	PIN(dt_workload_op, f, 0);
	PIN(dt_workload_op, weight, 8);
	SIZE(dt_buf, 24);
	PIN(dt_buf, data, 0);
	PIN(dt_buf, len, 8);
	PIN(dt_buf, cap, 16);
	SIZE(dt_doc, 24);
	PIN(dt_doc, file, 0);
	PIN(dt_doc, root, 8);
	PIN(dt_doc, marks, 16);
	PIN(dt_reply, value, 0);
	PIN(dt_reply, error, 8);
	PIN(dt_reply, node, 16);
	SIZE(dt_command, 152);
	PIN(dt_command, argv, 0);
	PIN(dt_command, timeout, 48);
	PIN(dt_command, out, 56);
	PIN(dt_command, log_path, 80);
	PIN(dt_command, pid, 92);
	PIN(dt_command, errnum, 112);
	PIN(dt_command, reserved, 120);
	PIN(dt_platform_type, size, 0);
	PIN(dt_platform_type, info, 8);
	PIN(dt_platform_type, chart_section, 48);
	PIN(dt_platform_type, chart_options, 56);
	PIN(dt_platform_type, create, 64);
	PIN(dt_platform_type, nodes, 72);
	PIN(dt_platform_type, signal, 80);
	PIN(dt_platform_type, restart, 88);
	PIN(dt_platform_type, exec, 96);
	PIN(dt_platform_type, destroy, 104);
	PIN(dt_platform_type, cleanup, 112);
	PIN(dt_platform_type, disk, 120);
	PIN(dt_platform_type, restart_nodes, 128);
	PIN(dt_client_type, size, 0);
	PIN(dt_client_type, info, 8);
	PIN(dt_client_type, operations, 48);
	PIN(dt_client_type, create, 56);
	PIN(dt_client_type, prepare, 64);
	PIN(dt_client_type, connect, 72);
	PIN(dt_client_type, invoke, 80);
	PIN(dt_client_type, disconnect, 88);
	PIN(dt_client_type, destroy, 96);
	PIN(dt_client_type, metrics, 104);
	PIN(dt_client_type, roles, 112);
	PIN(dt_client_type, version, 120);
	PIN(dt_workload_type, size, 0);
	PIN(dt_workload_type, info, 8);
	PIN(dt_workload_type, ops, 48);
	PIN(dt_workload_type, model, 56);
	PIN(dt_workload_type, create, 64);
	PIN(dt_workload_type, generate, 72);
	PIN(dt_workload_type, destroy, 80);
	PIN(dt_workload_type, final_reads, 88);
	PIN(dt_workload_type, completed, 96);
	PIN(dt_nemesis_type, size, 0);
	PIN(dt_nemesis_type, info, 8);
	PIN(dt_nemesis_type, create, 48);
	PIN(dt_nemesis_type, start, 56);
	PIN(dt_nemesis_type, heal, 64);
	PIN(dt_nemesis_type, destroy, 72);
	PIN(dt_checker_type, size, 0);
	PIN(dt_checker_type, info, 8);
	PIN(dt_checker_type, check, 48);
	PIN(dt_checker_type, minimize, 56);
	PIN(dt_model_type, size, 0);
	PIN(dt_model_type, info, 8);
	PIN(dt_model_type, create, 48);
	PIN(dt_model_type, destroy, 56);
	PIN(dt_model_type, partition, 64);
	PIN(dt_model_type, prepare, 72);
	PIN(dt_model_type, init, 80);
	PIN(dt_model_type, step, 88);
	PIN(dt_model_type, equal, 96);
	PIN(dt_model_type, hash, 104);
	PIN(dt_model_type, describe_op, 112);
	PIN(dt_model_type, describe_state, 120);
	PIN(dt_platform_env, run_id, 0);
	PIN(dt_platform_env, cancelled_arg, 72);
	PIN(dt_client_env, config, 0);
	PIN(dt_client_env, timeout, 48);
	PIN(dt_nemesis_env, run_id, 40);
	PIN(dt_checker_env, timeout, 48);
	PIN(dt_validate_env, registry, 88);
}
