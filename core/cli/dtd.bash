# dtd(8) completion for bash.                         -*- shell-script -*-
#
# Installed as $(datadir)/bash-completion/completions/dtd, where
# bash-completion loads it the first time dtd is completed.  dtd takes
# options (directories for the path options, YAML files for --config)
# and the command rebuild-index.

_dtd()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null 2>&1; then
		_init_completion -s || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi

	local opts="--config --listen --state-dir --store --dashboard --parallel
		--request-timeout --allow-host --require-token-for-reads
		--plugin-path --suite-path --chart-path --verbose --quiet --help
		--version rebuild-index"

	case $prev in
	-c|--config)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -X '!*.yaml' -- "$cur")
			$(compgen -f -X '!*.yml' -- "$cur") $(compgen -d -- "$cur"))
		return ;;
	--state-dir|--store|--dashboard|--plugin-path|--suite-path|--chart-path)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	-l|--listen|-j|--parallel|--request-timeout|--allow-host)
		return ;;
	esac

	COMPREPLY=($(compgen -W "$opts" -- "$cur"))
} &&
complete -F _dtd dtd

# ex: filetype=sh
