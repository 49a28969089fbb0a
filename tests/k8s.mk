# tests of the k8s platform: a stand-in API server (libmicrohttpd) with
# recorded responses of the real API, a helm stand-in on PATH, and the
# dt-agent against real network namespaces.

if BUILD_K8S
k8s_test_sources = \
	plugins/k8s/api.c plugins/k8s/exec.c plugins/k8s/helm.c \
	plugins/k8s/kubeconfig.c \
	plugins/k8s/manifest.c \
	tests/k8s/mockapi.c tests/k8s/mockapi.h
k8s_test_cflags = $(TEST_CFLAGS) $(CURL_CFLAGS) $(MHD_CFLAGS) \
	-I$(top_srcdir)/plugins/k8s -I$(top_srcdir)/tests/k8s
k8s_test_libs = $(TEST_LIBS) $(CURL_LIBS) $(MHD_LIBS) $(PTHREAD_LIBS)

k8s_tests = \
	tests/k8s/test_api \
	tests/k8s/test_exec \
	tests/k8s/test_platform \
	tests/k8s/test_agent
check_PROGRAMS += $(k8s_tests)
TESTS += $(k8s_tests)

tests_k8s_test_api_SOURCES = tests/k8s/test_api.c $(k8s_test_sources)
tests_k8s_test_api_CFLAGS = $(k8s_test_cflags)
tests_k8s_test_api_LDADD = $(k8s_test_libs)
tests_k8s_test_exec_SOURCES = tests/k8s/test_exec.c $(k8s_test_sources)
tests_k8s_test_exec_CFLAGS = $(k8s_test_cflags)
tests_k8s_test_exec_LDADD = $(k8s_test_libs)
tests_k8s_test_platform_SOURCES = tests/k8s/test_platform.c $(k8s_test_sources)
tests_k8s_test_platform_CFLAGS = $(k8s_test_cflags)
tests_k8s_test_platform_LDADD = $(k8s_test_libs)
tests_k8s_test_agent_SOURCES = tests/k8s/test_agent.c \
	plugins/k8s/agent/agent.c plugins/k8s/agent/netns.c \
	$(k8s_test_sources)
tests_k8s_test_agent_CFLAGS = $(k8s_test_cflags) -I$(top_srcdir)/plugins/k8s/agent
tests_k8s_test_agent_LDADD = $(k8s_test_libs)
endif

EXTRA_DIST += \
	tests/k8s/bin/helm \
	tests/k8s/bin/kubectl \
	tests/k8s/bin/dt-test-credential \
	tests/k8s/responses/exec-credential-v1.json \
	tests/k8s/responses/exec-credential-v1-expired.json \
	tests/k8s/responses/exec-credential-v1beta1.json \
	tests/k8s/responses/unauthorized.json \
	tests/k8s/responses/agent-exec-ok.json \
	tests/k8s/responses/agent-signal-ok.json \
	tests/k8s/responses/pod-kv0.json \
	tests/k8s/responses/pod-kv0-restarting.json \
	tests/k8s/responses/pod-kv0-restarted.json \
	tests/k8s/charts/k8s-test.yaml \
	tests/k8s/suites/k8s-test.yaml \
	tests/k8s/suites/k8s-kill.yaml \
	tests/k8s/manifests/crd.yaml \
	tests/k8s/manifests/rbac.yaml \
	tests/k8s/responses/agent-pods-worker1.json \
	tests/k8s/responses/crd-exists.json \
	tests/k8s/responses/namespace-created.json \
	tests/k8s/responses/namespace-deleting.json \
	tests/k8s/responses/namespace-exists.json \
	tests/k8s/responses/namespace-forbidden.json \
	tests/k8s/responses/pod-deleted.json \
	tests/k8s/responses/pods-after-kill.json \
	tests/k8s/responses/pods-ready.json \
	tests/k8s/responses/pods-starting.json \
	tests/k8s/responses/pods-watch-ready.jsonl \
	tests/k8s/responses/pods-watch-replaced.jsonl \
	tests/k8s/responses/pvcs-deleted.json \
	tests/k8s/responses/role-created.json \
	tests/k8s/responses/rolebinding-created.json \
	tests/k8s/responses/serviceaccount-created.json
