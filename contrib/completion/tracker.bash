# bash completion for tracker(1). Install: copy to /usr/share/bash-completion/completions/tracker
# (or source it from ~/.bashrc). Keep the lists in step with tracker/cli/commands.def and each
# command's -h; tests/e2e/t0500-help.sh checks that every command is here.

_tracker_commands="import sync list show incidents set done reopen snooze people stats report ical notify writeback check remind outbox serve feed token http db help version"

_tracker_opts() {
	case $1 in
	import) echo "--dry-run --atomic --help" ;;
	sync) echo "--dry-run --full --prune --no-fetch --history --help" ;;
	list) echo "--all --overdue --owner --mine --priority --status --incident --due-before --due-within --unassigned --unscheduled --removed --sort --limit --format --now --help" ;;
	show) echo "--format --now --help" ;;
	incidents) echo "--format --help" ;;
	set) echo "--note --reason --help" ;;
	done | reopen) echo "--note --help" ;;
	snooze) echo "--until --note --help" ;;
	people) echo "add list show remove import unmapped --email --name --tz --manager --slack --allow-unknown-manager --format --help" ;;
	stats) echo "--since --by --format --now --show-sql --help" ;;
	report) echo "--format --now --help" ;;
	ical) echo "--scope --todo --name --output --help" ;;
	notify) echo "test --email --webhook --help" ;;
	remind) echo "--dry-run --explain --now --timings --help" ;;
	outbox) echo "list show retry purge --state --format --dead --sent-before --now --help" ;;
	serve) echo "--check --http --listen --help" ;;
	writeback) echo "--dry-run --force --source --help" ;;
	check) echo "--strict --format --help" ;;
	feed) echo "create list revoke --scope --todo --name --all --help" ;;
	token) echo "create list revoke --name --read-only --all --help" ;;
	http) echo "--listen --threads --access-log --help" ;;
	db) echo "init path copy --force --help" ;;
	help) echo "$_tracker_commands" ;;
	*) echo "--help" ;;
	esac
}

_tracker() {
	local cur prev cmd i
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--db | --config) ((i++)) ;;
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	case $prev in
	--db | --config)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--format)
		case $cmd in
		list) COMPREPLY=($(compgen -W "table json csv" -- "$cur")) ;;
		incidents) COMPREPLY=($(compgen -W "table json" -- "$cur")) ;;
		*) COMPREPLY=($(compgen -W "text json" -- "$cur")) ;;
		esac
		return ;;
	--sort) COMPREPLY=($(compgen -W "due priority owner incident age" -- "$cur")); return ;;
	--by) COMPREPLY=($(compgen -W "owner priority incident month" -- "$cur")); return ;;
	--status) COMPREPLY=($(compgen -W "open in_progress blocked done wont_do" -- "$cur")); return ;;
	--priority) COMPREPLY=($(compgen -W "P0 P1 P2 P3 P0,P1" -- "$cur")); return ;;
	esac
	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--db --config --help --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_tracker_commands" -- "$cur"))
		fi
		return
	fi
	if [[ $cur == -* || $cmd == help || $cmd == people || $cmd == db ]]; then
		COMPREPLY=($(compgen -W "$(_tracker_opts "$cmd")" -- "$cur"))
		return
	fi
	case $cmd in
	import | check | writeback)
		COMPREPLY=($(compgen -f -X '!*.md' -- "$cur") $(compgen -d -- "$cur")) ;;
	esac
}
complete -o filenames -F _tracker tracker
