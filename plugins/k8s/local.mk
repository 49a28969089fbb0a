# dt_k8s: the k8s platform (Helm on Kubernetes), and dt-agent, the
# privileged DaemonSet program that runs fault orders in pods' netns.
if BUILD_K8S
pkglib_LTLIBRARIES += plugins/k8s/dt_k8s.la
plugins_k8s_dt_k8s_la_SOURCES = \
	plugins/k8s/k8s.h \
	plugins/k8s/api.c \
	plugins/k8s/exec.c \
	plugins/k8s/helm.c \
	plugins/k8s/kubeconfig.c \
	plugins/k8s/manifest.c \
	plugins/k8s/orders.c \
	plugins/k8s/platform.c \
	plugins/k8s/pods.c
plugins_k8s_dt_k8s_la_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS)
plugins_k8s_dt_k8s_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_k8s_dt_k8s_la_LIBADD = $(PLUGIN_LIBADD) $(CURL_LIBS) $(PTHREAD_LIBS)

sbin_PROGRAMS += plugins/k8s/agent/dt-agent
plugins_k8s_agent_dt_agent_SOURCES = \
	plugins/k8s/agent/agent.h \
	plugins/k8s/agent/agent.c \
	plugins/k8s/agent/netns.c \
	plugins/k8s/agent/main.c \
	core/lib/command.c
plugins_k8s_agent_dt_agent_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS)
plugins_k8s_agent_dt_agent_LDADD = $(MHD_LIBS) $(JANSSON_LIBS) $(PTHREAD_LIBS)
endif

# Left out by --disable-k8s.
EXTRA_DIST += \
	plugins/k8s/README.md \
	plugins/k8s/agent/Dockerfile \
	plugins/k8s/manifests/dt-agent.yaml \
	plugins/k8s/manifests/dt-driver-rbac.yaml
