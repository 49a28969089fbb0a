# dt-run(1) completion for bash.                      -*- shell-script -*-
#
# Installed as $(datadir)/bash-completion/completions/dt-run, where
# bash-completion loads it the first time dt-run is completed.  Suite and
# chart names come from `dt-run list suites|charts` itself, so they follow
# --suite-path, --chart-path and DT_*_PATH as the run would.

_dt_run_names()
{
	# $1: suites or charts; extra path options already on the line follow.
	"${COMP_WORDS[0]}" list "$@" 2>/dev/null | awk '{ print $1 }'
}

_dt_run()
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

	local opts="--suite --time-limit --concurrency --rate --platform --seed
		--repeat --store --nemesis --keep --dry-run --plugin-path --suite-path
		--chart-path --verbose --quiet --help --version"
	local i w path_opts=() cmd=""

	# Path options typed so far apply to the names offered.
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		case $w in
		--suite-path|--chart-path|--plugin-path)
			path_opts+=("$w" "${words[i+1]}") ;;
		--suite-path=*|--chart-path=*|--plugin-path=*)
			path_opts+=("$w") ;;
		list|cleanup|check)
			[[ -z $cmd ]] && cmd=$w ;;
		esac
	done

	case $prev in
	-s|--suite)
		COMPREPLY=($(compgen -W "$(_dt_run_names suites "${path_opts[@]}")" -- "$cur"))
		compopt -o filenames 2>/dev/null
		COMPREPLY+=($(compgen -f -X '!*.yaml' -- "$cur") $(compgen -d -- "$cur"))
		return ;;
	-p|--platform)
		COMPREPLY=($(compgen -W "local k8s" -- "$cur"))
		return ;;
	--store|--plugin-path|--suite-path|--chart-path)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	-t|--time-limit|-c|--concurrency|-r|--rate|--seed|-n|--nemesis)
		return ;;
	list)
		if [[ $cmd == list ]]; then
			COMPREPLY=($(compgen -W "suites charts plugins" -- "$cur"))
			return
		fi ;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "list cleanup check" -- "$cur"))
	elif [[ $cmd == check ]]; then
		# run folders
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -d -- "$cur"))
	fi
} &&
complete -F _dt_run dt-run

# ex: filetype=sh
