# dt-check(1) completion for bash.                    -*- shell-script -*-
#
# Installed as $(datadir)/bash-completion/completions/dt-check, where
# bash-completion loads it the first time dt-check is completed.  Model
# names come from `dt-run list plugins` (the dt-run beside this dt-check,
# else the one in PATH), with the --plugin-path typed so far; without a
# dt-run, the models dt-check --help names.

_dt_check_models()
{
	local run=${COMP_WORDS[0]%dt-check}dt-run
	[[ $run == */dt-run && -x $run ]] || run=dt-run
	{ "$run" list plugins "$@" 2>/dev/null ||
		printf 'model %s\n' register cas-register kv bank set queue; } |
		awk '$1 == "model" { print $2 }'
	# transactional histories, for the isolation checker
	printf '%s\n' list-append rw-register
}

# The consistency models of --consistency (plugins/isolation/models.c).
_dt_check_consistency="strict-serializable strong-session-serializable
	serializable strong-snapshot-isolation strong-session-snapshot-isolation
	snapshot-isolation repeatable-read consistent-view cursor-stability
	read-atomic monotonic-atomic-view strong-read-committed
	strong-session-read-committed read-committed strong-read-uncommitted
	strong-session-read-uncommitted read-uncommitted"

_dt_check()
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

	local opts="--model --format --timeout --memory-limit --threads --html
		--independent --json --plugin-path --quiet --help --version
		--consistency --edn-read-nil"
	local i path_opts=()

	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--plugin-path) path_opts+=(--plugin-path "${words[i+1]}") ;;
		--plugin-path=*) path_opts+=("${words[i]}") ;;
		esac
	done

	case $prev in
	-m|--model)
		COMPREPLY=($(compgen -W "$(_dt_check_models "${path_opts[@]}")" -- "$cur"))
		return ;;
	-c|--consistency)
		COMPREPLY=($(compgen -W "$_dt_check_consistency" -- "$cur"))
		return ;;
	-f|--format)
		COMPREPLY=($(compgen -W "auto jsonl etcd kv edn" -- "$cur"))
		return ;;
	--html)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--plugin-path)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	-t|--timeout|--memory-limit|--threads|--edn-read-nil)
		return ;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	# The histories: any file (jsonl, etcd and kv logs, EDN).
	compopt -o filenames 2>/dev/null
	COMPREPLY=($(compgen -f -- "$cur"))
} &&
complete -F _dt_check dt-check

# ex: filetype=sh
