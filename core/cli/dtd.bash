# dtd(8) completion for bash.                         -*- shell-script -*-
#
# Installed as $(datadir)/bash-completion/completions/dtd, where
# bash-completion loads it the first time dtd is completed.  dtd takes
# options (directories for the path options, YAML files for --config)
# and the commands rebuild-index and import (archives: *.tar.gz).

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
		--keep-runs --max-store --prune-invalid --webhook-url
		--webhook-allow-host
		--plugin-path --suite-path --chart-path --verbose --quiet --help
		--version rebuild-index import"

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
	-l|--listen|-j|--parallel|--request-timeout|--allow-host|--keep-runs|\
	--max-store|--webhook-url|--webhook-allow-host)
		return ;;
	esac
	# dtd import ARCHIVE...: the archives of GET /api/runs/ID/archive.
	local w
	for w in "${words[@]:1:cword-1}"; do
		if [ "$w" = import ] && [[ $cur != -* ]]; then
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -f -X '!*.tar.gz' -- "$cur") $(compgen -d -- "$cur"))
			return
		fi
	done

	COMPREPLY=($(compgen -W "$opts" -- "$cur"))
} &&
complete -F _dtd dtd

# ex: filetype=sh
