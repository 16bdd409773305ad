# bash completion for jumpstart(1). The CLI completes itself: System.CommandLine's [suggest:N]
# directive lists the subcommands and options that fit the command line at cursor position N
# (the line without the program name). bash then keeps those that start with the current word.
_jumpstart() {
	local line=${COMP_LINE:0:COMP_POINT}
	local rest=${line#*[[:space:]]}
	[[ "$rest" == "$line" ]] && return 0
	local cur=${COMP_WORDS[COMP_CWORD]}
	local candidates
	candidates=$("${COMP_WORDS[0]}" "[suggest:${#rest}]" "$rest" 2>/dev/null) || return 0
	mapfile -t COMPREPLY < <(compgen -W "$candidates" -- "$cur")
}
complete -o default -F _jumpstart jumpstart
