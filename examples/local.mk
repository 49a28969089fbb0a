# out-of-tree plugin example and installcheck
