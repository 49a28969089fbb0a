# tests of k8s
