# bash completion
