# bash completion for guichet(1).  Source it, or install it as
# /usr/share/bash-completion/completions/guichet.
# The command names mirror src/client/command_table.c (what -e runs).
_guichet_commands="down up page-down page-up top bottom open back worklist search
cases timeline outbox reapply drop refresh help prompt redraw quit note status
assign transfer new-case template say end merge confirm unmerge accept decline
presence bind unbind set source color"

_guichet()
{
	local cur prev eq=
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	# bash splits --format=csv into --format, = and csv
	if [[ $cur == = ]]; then
		cur='' eq=1
	elif [[ $prev == = ]]; then
		prev=${COMP_WORDS[COMP_CWORD-2]} eq=1
	fi
	case $prev in
	--format) mapfile -t COMPREPLY < <(compgen -W "json csv text" -- "$cur"); return ;;
	--theme) mapfile -t COMPREPLY < <(compgen -W "default dsfr high-contrast mono" -- "$cur"); return ;;
	-e) mapfile -t COMPREPLY < <(compgen -W "$_guichet_commands" -- "$cur"); return ;;
	--cacert | --script | -F) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
	--server | --login | --size) return ;;
	--wait) [[ $eq ]] && return ;;
	esac
	mapfile -t COMPREPLY < <(compgen -W "--server --cacert --login --demo -F --theme --size
		--script --dump-roles --batch -e --format --wait --wait= --help --version" -- "$cur")
	[[ ${COMPREPLY[*]} == --wait= ]] && compopt -o nospace 2>/dev/null
	return 0
}
complete -F _guichet guichet
