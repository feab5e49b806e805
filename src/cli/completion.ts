import { BENCH_OPTIONS } from './bench/command.js';
import { SCENARIOS } from './bench/run.js';
import { CLIENT_GROUPS, commandTable } from './client-commands.js';
import { COMMON_OPTIONS, UsageError, didYouMean, type Io, type OptionSpec } from './common.js';
import { FLAG_KEYS } from './server-command.js';
import { MIGRATE_OPTIONS } from './migrate-command.js';

/** One command of the completion table: its flags, which of them take a value, its positionals. */
interface Entry {
  flags: string[];
  valued: string[];
  positionals: number;
  /** Fixed choices of the first positional (bench scenarios, shells). */
  choices: string[];
}

const SHELLS = ['bash', 'zsh'] as const;

const SERVER_OPTIONS: OptionSpec = {
  ...Object.fromEntries(Object.keys(FLAG_KEYS).map((k) => [k, { type: 'string' as const }])),
  config: { type: 'string' },
  set: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
};

function entry(options: OptionSpec, positionals: number, choices: string[] = []): Entry {
  const flags: string[] = [];
  const valued: string[] = [];
  for (const [name, spec] of Object.entries(options)) {
    const names = [`--${name}`, ...(spec.short === undefined ? [] : [`-${spec.short}`])];
    flags.push(...names);
    if (spec.type === 'string') valued.push(...names);
  }
  return { flags: flags.sort(), valued, positionals, choices };
}

/** The completion table, derived from the command definitions: command path → entry. */
export function completionTable(): Map<string, Entry> {
  const table = new Map<string, Entry>();
  table.set('server', entry(SERVER_OPTIONS, 0));
  table.set('bench', entry({ ...COMMON_OPTIONS, ...BENCH_OPTIONS }, 1, Object.keys(SCENARIOS)));
  table.set('migrate', entry(MIGRATE_OPTIONS, 0));
  table.set('completion', entry({ help: { type: 'boolean', short: 'h' } }, 1, [...SHELLS]));
  for (const c of commandTable()) table.set(c.name, entry({ ...COMMON_OPTIONS, ...c.options }, c.positionals));
  return table;
}

const quote = (words: Iterable<string>) => [...words].join(' ');

/**
 * A function for bash and zsh alike: given the word being completed and the words before it
 * (after `artemis`), prints the candidates one a line; prints nothing where a file name or a
 * free value fits (the shell then completes file names).
 */
function candidatesFunction(table: Map<string, Entry>): string {
  const top = new Set([...table.keys()].map((k) => k.split(' ')[0]!));
  const valued = new Set([...table.values()].flatMap((e) => e.valued));
  const groups = Object.entries(CLIENT_GROUPS).map(([g, subs]) => `    ${g}) echo "${quote(subs)}" ;;`).join('\n');
  const cases = [...table.entries()]
    .map(([path, e]) => `    '${path}') flags="${quote(e.flags)}"; positionals=${e.positionals}; choices="${quote(e.choices)}" ;;`)
    .join('\n');
  return `__artemis_subcommands() {
  case $1 in
${groups}
  esac
}

__artemis_candidates() {
  local cur=$1 path='' sub='' w skip=0 n=0 flags='' positionals=0 choices='' IFS=' '
  [ -n "$ZSH_VERSION" ] && setopt localoptions shwordsplit
  shift
  for w in "$@"; do
    if [ "$skip" = 1 ]; then skip=0; continue; fi
    case $w in
      -*=*) continue ;;
      -*) case " ${quote(valued)} " in *" $w "*) skip=1 ;; esac; continue ;;
    esac
    if [ -z "$path" ]; then
      path=$w
      sub=$(__artemis_subcommands "$w")
    elif [ -n "$sub" ]; then
      path="$path $w"
      sub=''
    else
      n=$((n + 1))
    fi
  done
  [ "$skip" = 1 ] && return 0
  if [ -z "$path" ]; then
    case $cur in
      -*) printf '%s\\n' --help --version ;;
      *) printf '%s\\n' ${quote(top)} ;;
    esac
    return 0
  fi
  if [ -n "$sub" ]; then
    printf '%s\\n' $sub
    return 0
  fi
  case $path in
${cases}
    *) return 0 ;;
  esac
  case $cur in
    -*) printf '%s\\n' $flags ;;
    *)
      if [ "$n" -lt "$positionals" ]; then
        [ "$n" = 0 ] && [ -n "$choices" ] && printf '%s\\n' $choices
      else
        printf '%s\\n' $flags
      fi
      ;;
  esac
}
`;
}

/** The bash completion script: `source <(artemis completion bash)`. */
export function bashScript(table = completionTable()): string {
  return `# bash completion for artemis; load with: source <(artemis completion bash)
# or save it as /etc/bash_completion.d/artemis (or ~/.local/share/bash-completion/completions/artemis).
${candidatesFunction(table)}
_artemis() {
  # Words split at blanks only, so URLs (with : and =) stay whole.
  local line=\${COMP_LINE:0:COMP_POINT} cur=''
  local -a ws
  read -ra ws <<< "$line"
  if [[ $line != *[[:space:]] ]]; then
    cur=\${ws[\${#ws[@]}-1]}
    unset "ws[\${#ws[@]}-1]"
  fi
  local IFS=$'\\n'
  COMPREPLY=($(compgen -W "$(__artemis_candidates "$cur" "\${ws[@]:1}")" -- "$cur"))
}
complete -o default -o bashdefault -F _artemis artemis
`;
}

/** The zsh completion script: `source <(artemis completion zsh)` after compinit, or as _artemis in $fpath. */
export function zshScript(table = completionTable()): string {
  return `#compdef artemis
# zsh completion for artemis; load with: source <(artemis completion zsh)   (after compinit)
# or save it as _artemis in a directory of $fpath.
${candidatesFunction(table)}
_artemis() {
  local -a candidates
  candidates=(\${(f)"$(__artemis_candidates "\${words[CURRENT]}" "\${(@)words[2,CURRENT-1]}")"})
  if (( \${#candidates} )); then
    compadd -- $candidates
  else
    _files
  fi
}

if [ "$funcstack[1]" = "_artemis" ]; then
  _artemis "$@"
else
  compdef _artemis artemis
fi
`;
}

const USAGE = `Usage: artemis completion bash|zsh

Prints a shell completion script for commands, subcommands, flags, bench scenarios and shells.
  bash:  source <(artemis completion bash)     (e.g. in ~/.bashrc)
  zsh:   source <(artemis completion zsh)      (in ~/.zshrc, after compinit)
`;

/** `artemis completion bash|zsh`. */
export function completionCommand(args: string[], io: Io): number {
  const [shell, ...extra] = args;
  if (shell === '-h' || shell === '--help') {
    io.out(USAGE);
    return 0;
  }
  try {
    if (shell === undefined) throw new UsageError('missing <shell>: bash or zsh');
    if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra[0]}`);
    if (shell === 'bash') io.out(bashScript());
    else if (shell === 'zsh') io.out(zshScript());
    else throw new UsageError(`unknown shell: ${shell}${didYouMean(shell, SHELLS) || '; bash or zsh'}`);
    return 0;
  } catch (err) {
    io.err(`artemis: ${(err as Error).message}\n${USAGE.split('\n')[0]}\n`);
    return 2;
  }
}
